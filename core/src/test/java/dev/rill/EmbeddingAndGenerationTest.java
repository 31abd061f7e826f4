package dev.rill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.testkit.BertModel;
import dev.rill.testkit.ModelFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * One model generates and embeds at once (the embedder's context beside the generation engine's): every
 * generation's text is exact and every vector equals the one computed with nothing else running.
 */
class EmbeddingAndGenerationTest {
    private static final List<List<String>> BATCHES = List.of(
            List.of("hello world", "a", "the quick brown fox"),
            List.of("vectors", "embeddings turn text into vectors", "x", "yz", "abc"),
            List.of("one text alone"));
    private static final String[] PROMPTS = {"abc", "xyz}", "ABC", "0123", "mn", "!", "Q", "hello"};

    @Test
    void generationsStayExactAndVectorsUnchangedWhileTheModelEmbedsFromOtherThreads() throws Exception {
        try (Model model = Model.load(RiggedFiles.plusOne(),
                RiggedFiles.smallOptions().parallelSequences(4).queueCapacity(64).build());
             Embedder embedder = model.embedder(EmbeddingOptions.builder().batchSize(64).build());
             ExecutorService embedding = Executors.newFixedThreadPool(3)) {
            List<float[][]> alone = BATCHES.stream().map(embedder::embed).toList();

            // The first generation waits, mid-stream, until an embedding call finished: the two surely overlap.
            CountDownLatch embedded = new CountDownLatch(1);
            AtomicBoolean overlapped = new AtomicBoolean();
            List<Generation> generations = new ArrayList<>();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                String prompt = PROMPTS[i % PROMPTS.length];
                int max = 20 + i % 9;
                boolean first = i == 0;
                generations.add(model.submit(GenerationRequest.builder(prompt).maxTokens(max).build(),
                        (token, generation) -> {
                            if (first && token.index() == 2) {
                                try {
                                    overlapped.set(embedded.await(30, TimeUnit.SECONDS));
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                            }
                        }));
                expected.add(RiggedFiles.PLUS_ONE.expectedText(prompt, max));
            }
            List<Future<?>> embeddings = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                embeddings.add(embedding.submit(() -> {
                    for (int round = 0; round < 10; round++) {
                        for (int b = 0; b < BATCHES.size(); b++) {
                            float[][] vectors = embedder.embed(BATCHES.get(b));
                            embedded.countDown();
                            for (int v = 0; v < vectors.length; v++) {
                                assertArrayEquals(alone.get(b)[v], vectors[v], "batch " + b + ", text " + v);
                            }
                        }
                    }
                    return null;
                }));
            }
            for (int i = 0; i < generations.size(); i++) {
                assertEquals(expected.get(i), generations.get(i).await().text(), "generation " + i);
            }
            for (Future<?> future : embeddings) {
                future.get(60, TimeUnit.SECONDS);
            }
            assertTrue(overlapped.get(), "an embedding finished while the first generation was mid-stream");
            assertEquals(16, model.stats().completedGenerations());
        }
    }

    @Test
    void encoderVectorsStayUnchangedWhileOtherContextsDecode() throws Exception {
        // b4916 gave an embeddings context wrong vectors while any other context decoded (by up to 7 here), until
        // its decodes were made to run alone.
        Path bert = ModelFiles.file("bert-cls.gguf", BertModel.tiny(2, 5)::write);
        try (Model encoder = Model.load(bert, RiggedFiles.smallOptions().build());
             Model generator = RiggedFiles.loadPlusOne();
             Embedder first = encoder.embedder(EmbeddingOptions.builder().batchSize(64).build());
             Embedder second = encoder.embedder(EmbeddingOptions.builder().batchSize(64).build());
             ExecutorService embedding = Executors.newFixedThreadPool(2)) {
            List<String> texts = BATCHES.get(0);
            float[][] alone = first.embed(texts);
            Generation generation = generator.submit(GenerationRequest.builder("abc").maxTokens(60).build(),
                    TokenCallback.ignore());
            List<Future<?>> calls = new ArrayList<>();
            for (Embedder embedder : List.of(first, second)) {
                calls.add(embedding.submit(() -> {
                    for (int round = 0; round < 40; round++) {
                        float[][] vectors = embedder.embed(texts);
                        for (int v = 0; v < vectors.length; v++) {
                            assertArrayEquals(alone[v], vectors[v], "round " + round + ", text " + v);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> call : calls) {
                call.get(60, TimeUnit.SECONDS);
            }
            assertEquals(RiggedFiles.PLUS_ONE.expectedText("abc", 60), generation.await().text());
        }
    }
}
