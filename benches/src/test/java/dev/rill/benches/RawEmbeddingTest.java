package dev.rill.benches;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rill.Embedder;
import dev.rill.EmbeddingOptions;
import dev.rill.Model;
import dev.rill.ModelOptions;
import dev.rill.internal.llama.PoolingType;
import dev.rill.testkit.BertModel;
import dev.rill.testkit.ModelFiles;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** EmbeddingBenchmark's raw path does the embedder's work: the same vectors for the same texts. */
class RawEmbeddingTest {
    @Test
    void theRawPathGivesTheEmbeddersVectors() {
        Path file = ModelFiles.file("bert-mean.gguf", BertModel.tiny(1, 5)::write);
        ModelOptions options = ModelOptions.builder().contextSize(256).threads(1).build();
        List<String> texts = EmbeddingBenchmark.texts(20, 7);
        try (Model model = Model.load(file, options);
             Embedder embedder = model.embedder(EmbeddingOptions.builder().batchSize(256).build());
             RawEmbedding raw = new RawEmbedding(file, options, 256, PoolingType.MEAN)) {
            float[][] expected = embedder.embed(texts);
            float[][] actual = raw.embed(texts);
            assertEquals(expected.length, actual.length);
            for (int t = 0; t < expected.length; t++) {
                for (int i = 0; i < expected[t].length; i++) {
                    assertEquals(expected[t][i], actual[t][i], 1e-6f, "text " + t + ", element " + i);
                }
            }
        }
    }
}
