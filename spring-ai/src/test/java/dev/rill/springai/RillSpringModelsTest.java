package dev.rill.springai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rill.ChatMessage;
import dev.rill.Model;
import dev.rill.ModelOptions;
import dev.rill.ToolCall;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.content.Media;
import org.springframework.ai.embedding.EmbeddingOptions;
import org.springframework.ai.embedding.EmbeddingRequest;
import org.springframework.util.MimeTypeUtils;

/** {@link RillChatModel} and {@link RillEmbeddingModel} without Spring Boot, on the rigged plus-one model. */
class RillSpringModelsTest {
    private static Model model;

    @BeforeAll
    static void load() {
        model = Model.load(Fixtures.file(), ModelOptions.builder().contextSize(2048).parallelSequences(4).threads(1)
                .build());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static RillChatModel chat(ChatOptions defaults) {
        return RillChatModel.builder().model(model).defaultOptions(defaults).build();
    }

    @Test
    void aStopSequenceEndsTheReplyWithStop() {
        ChatResponse response = chat(ChatOptions.builder().stopSequences(List.of("ef")).build())
                .call(new Prompt("hello"));

        assertEquals("abcd", response.getResult().getOutput().getText());
        assertEquals("STOP", response.getResult().getMetadata().getFinishReason());
    }

    @Test
    void promptOptionsOverrideTheDefaultsOneByOne() {
        RillChatModel chat = chat(ChatOptions.builder().maxTokens(2).topK(1).build());

        assertEquals("ab", chat.call(new Prompt("hello")).getResult().getOutput().getText());
        assertEquals("abcdef", chat.call(new Prompt("hello", ChatOptions.builder().maxTokens(6).temperature(2.0)
                .build())).getResult().getOutput().getText());
    }

    @Test
    void everyMessageTypeReachesTheTemplate() {
        ChatResponse response = chat(ChatOptions.builder().maxTokens(1).build()).call(new Prompt(List.of(
                new SystemMessage("be brief"),
                new UserMessage("weather in Paris?"),
                AssistantMessage.builder().content("").toolCalls(List.of(new AssistantMessage.ToolCall("call-1",
                        "function", "get_weather", "{\"city\": \"Paris\"}"))).build(),
                ToolResponseMessage.builder().responses(List.of(new ToolResponseMessage.ToolResponse("call-1",
                        "get_weather", "sunny"))).build(),
                new UserMessage("thanks"))));

        List<ChatMessage> expected = List.of(ChatMessage.system("be brief"), ChatMessage.user("weather in Paris?"),
                ChatMessage.assistant("", List.of(new ToolCall("call-1", "get_weather", "{\"city\": \"Paris\"}"))),
                ChatMessage.tool("call-1", "sunny"), ChatMessage.user("thanks"));
        int prompt = model.tokenize(model.applyChatTemplate(new dev.rill.Prompt.Chat(expected, null), true)).length;
        assertEquals(prompt, response.getMetadata().getUsage().getPromptTokens());
    }

    @Test
    void mediaAndBadOptionsAreRefused() {
        RillChatModel chat = chat(ChatOptions.builder().build());
        UserMessage withImage = UserMessage.builder().text("what is this?").media(new Media(MimeTypeUtils.IMAGE_PNG,
                URI.create("https://example.invalid/cat.png"))).build();

        assertThrows(IllegalArgumentException.class, () -> chat.call(new Prompt(withImage)));
        assertThrows(IllegalArgumentException.class, () -> RillChatModel.builder().model(model)
                .defaultOptions(ChatOptions.builder().temperature(-1.0).build()));
        assertThrows(IllegalArgumentException.class, () -> RillChatModel.builder().model(model)
                .defaultOptions(ChatOptions.builder().maxTokens(0).build()));
        assertThrows(IllegalStateException.class, () -> RillChatModel.builder().build());
        assertThrows(IllegalStateException.class, () -> RillChatModel.builder().model(model).model(model));
    }

    @Test
    void theEmbeddingModelEmbedsTextsInOrderAndRefusesOtherDimensions() {
        try (var embedder = model.embedder()) {
            RillEmbeddingModel embeddings = new RillEmbeddingModel(embedder);
            var response = embeddings.call(new EmbeddingRequest(List.of("first", "second"), null));

            assertEquals(2, response.getResults().size());
            assertEquals(0, response.getResults().get(0).getIndex());
            assertEquals(embedder.dimensions(), embeddings.dimensions());
            assertEquals(List.of(embedder.embed("second")).getFirst()[0], response.getResults().get(1).getOutput()[0],
                    1e-4f);
            assertThrows(IllegalArgumentException.class, () -> embeddings.call(new EmbeddingRequest(List.of("x"),
                    EmbeddingOptions.builder().dimensions(embedder.dimensions() + 1).build())));
        }
    }
}
