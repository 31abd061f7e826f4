package dev.rill.springai.autoconfigure;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Rill's Spring Boot properties, under {@code rill}:
 *
 * <pre>
 * rill.model.path=/models/qwen2.5-0.5b-instruct-q8_0.gguf   # required for the beans to appear
 * rill.model.context-size=4096          # 0: the model's own, at most 4096
 * rill.model.parallel-sequences=4
 * rill.model.threads=0                  # 0: llama.cpp's choice
 * rill.model.gpu-layers=0
 * rill.chat.model-name=qwen             # default: the GGUF general.name, else the file name
 * rill.chat.temperature=0.7             # unset: greedy
 * rill.chat.top-p=0.95
 * rill.chat.top-k=40
 * rill.chat.max-tokens=256
 * rill.embedding.enabled=true
 * rill.embedding.normalize=true
 * </pre>
 */
@ConfigurationProperties("rill")
public class RillProperties {
    private final ModelProperties model = new ModelProperties();
    private final ChatProperties chat = new ChatProperties();
    private final EmbeddingProperties embedding = new EmbeddingProperties();

    /** The model to load. */
    public ModelProperties getModel() {
        return model;
    }

    /** The chat model's defaults. */
    public ChatProperties getChat() {
        return chat;
    }

    /** The embedding model. */
    public EmbeddingProperties getEmbedding() {
        return embedding;
    }

    /** {@code rill.model.*}. */
    public static class ModelProperties {
        private Path path;
        private int contextSize;
        private int parallelSequences = 4;
        private int threads;
        private int gpuLayers;

        public Path getPath() {
            return path;
        }

        public void setPath(Path path) {
            this.path = path;
        }

        public int getContextSize() {
            return contextSize;
        }

        public void setContextSize(int contextSize) {
            this.contextSize = contextSize;
        }

        public int getParallelSequences() {
            return parallelSequences;
        }

        public void setParallelSequences(int parallelSequences) {
            this.parallelSequences = parallelSequences;
        }

        public int getThreads() {
            return threads;
        }

        public void setThreads(int threads) {
            this.threads = threads;
        }

        public int getGpuLayers() {
            return gpuLayers;
        }

        public void setGpuLayers(int gpuLayers) {
            this.gpuLayers = gpuLayers;
        }
    }

    /** {@code rill.chat.*}. */
    public static class ChatProperties {
        private String modelName;
        private Double temperature;
        private Double topP;
        private Integer topK;
        private Integer maxTokens;

        public String getModelName() {
            return modelName;
        }

        public void setModelName(String modelName) {
            this.modelName = modelName;
        }

        public Double getTemperature() {
            return temperature;
        }

        public void setTemperature(Double temperature) {
            this.temperature = temperature;
        }

        public Double getTopP() {
            return topP;
        }

        public void setTopP(Double topP) {
            this.topP = topP;
        }

        public Integer getTopK() {
            return topK;
        }

        public void setTopK(Integer topK) {
            this.topK = topK;
        }

        public Integer getMaxTokens() {
            return maxTokens;
        }

        public void setMaxTokens(Integer maxTokens) {
            this.maxTokens = maxTokens;
        }
    }

    /** {@code rill.embedding.*}. */
    public static class EmbeddingProperties {
        private boolean enabled = true;
        private boolean normalize = true;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public boolean isNormalize() {
            return normalize;
        }

        public void setNormalize(boolean normalize) {
            this.normalize = normalize;
        }
    }
}
