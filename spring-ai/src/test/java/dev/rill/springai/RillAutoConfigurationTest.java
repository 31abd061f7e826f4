package dev.rill.springai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.LanguageModel;
import dev.rill.Model;
import dev.rill.springai.autoconfigure.RillAutoConfiguration;
import dev.rill.springai.autoconfigure.RillHealthIndicator;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The auto-configuration from properties, on the rigged plus-one model. */
class RillAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RillAutoConfiguration.class));

    private ApplicationContextRunner withModel() {
        return runner.withPropertyValues("rill.model.path=" + Fixtures.file(), "rill.model.context-size=1024",
                "rill.model.threads=1");
    }

    @Test
    void withoutAModelPathNothingIsCreated() {
        runner.run(context -> {
            assertThat(context).doesNotHaveBean(LanguageModel.class);
            assertThat(context).doesNotHaveBean(ChatModel.class);
            assertThat(context).doesNotHaveBean(EmbeddingModel.class);
        });
    }

    @Test
    void propertiesMakeAWorkingChatModelWithTheirDefaults() {
        withModel().withPropertyValues("rill.chat.max-tokens=5", "rill.chat.model-name=plus-one").run(context -> {
            ChatModel chat = context.getBean(ChatModel.class);
            ChatResponse response = chat.call(new Prompt("hello"));
            assertEquals("abcde", response.getResult().getOutput().getText());
            assertEquals("LENGTH", response.getResult().getMetadata().getFinishReason());
            assertEquals("plus-one", response.getMetadata().getModel());
            assertEquals(5, response.getMetadata().getUsage().getCompletionTokens());
        });
    }

    @Test
    void theEmbeddingModelGivesUnitVectorsOfTheModelsWidth() {
        withModel().run(context -> {
            EmbeddingModel embeddings = context.getBean(EmbeddingModel.class);
            Model model = context.getBean(Model.class);
            float[] vector = embeddings.embed("hello");
            assertEquals(model.info().embeddingLength(), vector.length);
            double norm = 0;
            for (float v : vector) {
                norm += v * v;
            }
            assertEquals(1.0, Math.sqrt(norm), 1e-3);
        });
    }

    @Test
    void embeddingsCanBeTurnedOff() {
        withModel().withPropertyValues("rill.embedding.enabled=false").run(context -> {
            assertThat(context).hasSingleBean(ChatModel.class);
            assertThat(context).doesNotHaveBean(EmbeddingModel.class);
        });
    }

    @Test
    void theHealthIndicatorIsUpWhileTheModelIsOpenAndDownOnceClosed() {
        withModel().run(context -> {
            RillHealthIndicator health = context.getBean(RillHealthIndicator.class);
            var up = health.health();
            assertEquals(Status.UP, up.getStatus());
            assertEquals(0, up.getDetails().get("activeSequences"));
            assertEquals(4, up.getDetails().get("parallelSequences"));
            context.getBean(Model.class).close();
            assertEquals(Status.DOWN, health.health().getStatus());
        });
    }

    @Test
    void theModelIsClosedWithTheContext() {
        Model[] model = new Model[1];
        withModel().run(context -> model[0] = context.getBean(Model.class));
        assertTrue(model[0].isClosed());
    }

    @Test
    void anApplicationsOwnChatModelWins() {
        withModel().withBean("mine", ChatModel.class, () -> prompt -> new ChatResponse(java.util.List.of()))
                .run(context -> {
                    assertThat(context).hasSingleBean(ChatModel.class);
                    assertThat(context.getBean(ChatModel.class)).isNotInstanceOf(RillChatModel.class);
                });
    }
}
