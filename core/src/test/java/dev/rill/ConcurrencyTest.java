package dev.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ConcurrencyTest {

    @Test
    void manyConcurrentCallersEachGetTheirOwnExactStream() throws Exception {
        try (Model model = Model.load(RiggedFiles.plusOne(),
                RiggedFiles.smallOptions().parallelSequences(4).queueCapacity(64).build());
             ExecutorService callers = Executors.newFixedThreadPool(16)) {
            String[] prompts = {"abc", "xyz}", "ABC", "0123", "mn", "!", "Q", "hello"};
            List<Future<String>> futures = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                String prompt = prompts[i % prompts.length];
                int max = 5 + i % 7;
                futures.add(callers.submit(() -> {
                    StringBuilder streamed = new StringBuilder();
                    GenerationResult result = model.generate(GenerationRequest.builder(prompt).maxTokens(max).build(),
                            (token, generation) -> streamed.append(token.text()));
                    assertEquals(result.text(), streamed.toString());
                    assertEquals(max, result.generatedTokens());
                    return prompt + "|" + max + "|" + streamed;
                }));
            }
            for (int i = 0; i < futures.size(); i++) {
                String prompt = prompts[i % prompts.length];
                int max = 5 + i % 7;
                assertEquals(prompt + "|" + max + "|" + RiggedFiles.PLUS_ONE.expectedText(prompt, max),
                        futures.get(i).get(60, TimeUnit.SECONDS));
            }
            EngineStats stats = model.stats();
            assertEquals(32, stats.completedGenerations());
            assertEquals(0, stats.activeSequences());
            // Only the prompt cache keeps cells: at most one finished sequence (prompt and output) per slot.
            assertTrue(stats.kvCellsInUse() <= 4 * (6 + 11), stats.kvCellsInUse() + " cells in use");
        }
    }

    @Test
    void aFullQueueRejectsNewRequestsClearly() throws Exception {
        try (Model model = Model.load(RiggedFiles.plusOne(), RiggedFiles.smallOptions().queueCapacity(2).build())) {
            CountDownLatch running = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Generation blocker = model.submit(GenerationRequest.builder("abc").maxTokens(1).build(), (token, g) -> {
                running.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(running.await(10, TimeUnit.SECONDS));
            Generation first = model.submit(GenerationRequest.builder("abc").maxTokens(2).build(), TokenCallback.ignore());
            Generation second = model.submit(GenerationRequest.builder("abc").maxTokens(2).build(), TokenCallback.ignore());
            assertEquals(2, model.queuedRequests());
            var error = assertThrows(RejectedGenerationException.class,
                    () -> model.submit(GenerationRequest.of("abc"), TokenCallback.ignore()));
            assertTrue(error.getMessage().contains("queue") && error.getMessage().contains("full"), error.getMessage());
            release.countDown();
            assertEquals("d", blocker.await().text());
            assertEquals("de", first.await().text());
            assertEquals("de", second.await().text());
        }
    }

    @Test
    void tokenizationIsSafeFromManyThreadsWhileGenerating() throws Exception {
        try (Model model = RiggedFiles.loadPlusOne(); ExecutorService pool = Executors.newFixedThreadPool(8)) {
            Generation background = model.submit(GenerationRequest.builder("abc").maxTokens(200).build(),
                    TokenCallback.ignore());
            List<Future<String>> futures = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String text = "text" + i;
                futures.add(pool.submit(() -> model.detokenize(model.tokenize(text, false, false))));
            }
            for (int i = 0; i < futures.size(); i++) {
                assertEquals("text" + i, futures.get(i).get(30, TimeUnit.SECONDS));
            }
            assertEquals(FinishReason.MAX_TOKENS, background.await().finishReason());
        }
    }
}
