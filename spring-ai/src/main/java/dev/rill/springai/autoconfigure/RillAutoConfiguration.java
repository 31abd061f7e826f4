package dev.rill.springai.autoconfigure;

import dev.rill.EmbeddingOptions;
import dev.rill.LanguageModel;
import dev.rill.Model;
import dev.rill.ModelOptions;
import dev.rill.TextEmbedder;
import dev.rill.springai.RillChatModel;
import dev.rill.springai.RillEmbeddingModel;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Spring Boot auto-configuration: with {@code rill.model.path} set, a {@link Model} loaded from it (closed with the
 * context), a {@link RillChatModel} over it with the {@code rill.chat.*} defaults, a {@link RillEmbeddingModel}
 * on its embedder ({@code rill.embedding.enabled}, default true) and, with Spring Boot's health module present, a
 * {@code rill} health indicator. Each bean steps back for one the application defines. See
 * {@link RillProperties}.
 */
@AutoConfiguration
@ConditionalOnClass(Model.class)
@ConditionalOnProperty(prefix = "rill.model", name = "path")
@EnableConfigurationProperties(RillProperties.class)
public class RillAutoConfiguration {

    /** The model, loaded once and closed with the application context. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean(LanguageModel.class)
    public Model rillModel(RillProperties properties) {
        RillProperties.ModelProperties model = properties.getModel();
        ModelOptions.Builder options = ModelOptions.builder()
                .parallelSequences(model.getParallelSequences())
                .gpuLayers(model.getGpuLayers());
        if (model.getContextSize() > 0) {
            options.contextSize(model.getContextSize());
        }
        if (model.getThreads() > 0) {
            options.threads(model.getThreads());
        }
        return Model.load(model.getPath(), options.build());
    }

    /** The chat model, blocking and streaming. */
    @Bean
    @ConditionalOnMissingBean(org.springframework.ai.chat.model.ChatModel.class)
    public RillChatModel rillChatModel(LanguageModel model, RillProperties properties) {
        RillProperties.ChatProperties chat = properties.getChat();
        RillChatModel.Builder builder = RillChatModel.builder().model(model)
                .defaultOptions(ChatOptions.builder().temperature(chat.getTemperature()).topP(chat.getTopP())
                        .topK(chat.getTopK()).maxTokens(chat.getMaxTokens()).build());
        if (chat.getModelName() != null) {
            builder.modelName(chat.getModelName());
        }
        return builder.build();
    }

    /** The embedder behind the embedding model; closed with the context (and with the model). */
    @Bean(destroyMethod = "close")
    @ConditionalOnBooleanProperty(name = "rill.embedding.enabled", matchIfMissing = true)
    @ConditionalOnMissingBean(org.springframework.ai.embedding.EmbeddingModel.class)
    public TextEmbedder rillEmbedder(LanguageModel model, RillProperties properties) {
        return model.embedder(EmbeddingOptions.builder().normalize(properties.getEmbedding().isNormalize()).build());
    }

    /** The embedding model. */
    @Bean
    @ConditionalOnBooleanProperty(name = "rill.embedding.enabled", matchIfMissing = true)
    @ConditionalOnMissingBean(org.springframework.ai.embedding.EmbeddingModel.class)
    public RillEmbeddingModel rillEmbeddingModel(TextEmbedder rillEmbedder) {
        return new RillEmbeddingModel(rillEmbedder);
    }

    /** The health indicator, where Spring Boot's health module is on the class path. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    static class Health {
        @Bean
        @ConditionalOnMissingBean(name = "rillHealthIndicator")
        RillHealthIndicator rillHealthIndicator(LanguageModel model) {
            return new RillHealthIndicator(model);
        }
    }
}
