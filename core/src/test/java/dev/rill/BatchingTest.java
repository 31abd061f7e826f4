package dev.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.gguf.GgmlType;
import dev.rill.testkit.LlamaHyperparameters;
import dev.rill.testkit.TestModels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Continuous batching: sequences decoded together give exactly what each gives alone. */
class BatchingTest {
    private static final String[] PROMPTS = {"abc", "Hello", "0", "xyz}", "The_quick_brown_fox", "Q", "mnopq", "!?"};
    private static Path random;

    @BeforeAll
    static void writeRandomModel() throws IOException {
        random = RiggedFiles.newPath("random-small.gguf");
        TestModels.randomWeights("random-small", 512, LlamaHyperparameters.of(64, 2, 4, 128), GgmlType.F32, 7)
                .write(random);
    }

    private static int[] tokens(Model model, String prompt, int max) {
        List<Integer> ids = new ArrayList<>();
        model.generate(GenerationRequest.builder(prompt).maxTokens(max).build(), (t, g) -> ids.add(t.tokenId()));
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Sequence 0 runs; at its token {@code i} sequence {@code i + 1} joins, so each companion joins at a
     * different step, with a prompt of a different length, and leaves after a different number of tokens.
     */
    private static List<int[]> staggered(Model model, int companions, int baseTokens) throws Exception {
        List<int[]> results = new CopyOnWriteArrayList<>();
        for (int i = 0; i <= companions; i++) {
            results.add(new int[0]);
        }
        List<Generation> generations = new CopyOnWriteArrayList<>();
        List<List<Integer>> streams = new ArrayList<>();
        for (int i = 0; i <= companions; i++) {
            streams.add(new CopyOnWriteArrayList<>());
        }
        generations.add(model.submit(GenerationRequest.builder(PROMPTS[0]).maxTokens(baseTokens).build(), (t, g) -> {
            streams.get(0).add(t.tokenId());
            int joiner = t.index() + 1;
            if (joiner <= companions) {
                generations.add(model.submit(GenerationRequest.builder(PROMPTS[joiner]).maxTokens(baseTokens - 3 * joiner)
                        .build(), (u, h) -> streams.get(joiner).add(u.tokenId())));
            }
        }));
        generations.getFirst().result().get(60, TimeUnit.SECONDS);
        for (Generation generation : generations) {
            generation.result().get(60, TimeUnit.SECONDS);
        }
        for (int i = 0; i <= companions; i++) {
            results.set(i, streams.get(i).stream().mapToInt(Integer::intValue).toArray());
        }
        return results;
    }

    @ParameterizedTest(name = "with {0} companions")
    @ValueSource(ints = {1, 3, 7})
    void riggedSequencesBatchedTogetherMatchTheirSoloRuns(int companions) throws Exception {
        try (Model model = Model.load(RiggedFiles.plusOne(), RiggedFiles.smallOptions(1024).parallelSequences(8).build())) {
            List<int[]> batched = staggered(model, companions, 40);
            for (int i = 0; i <= companions; i++) {
                int max = 40 - 3 * i;
                String expected = RiggedFiles.PLUS_ONE.expectedText(PROMPTS[i], max);
                assertEquals(expected, model.detokenize(batched.get(i)), "sequence " + i);
                assertEquals(expected, model.detokenize(tokens(model, PROMPTS[i], max)), "solo " + i);
            }
        }
    }

    @ParameterizedTest(name = "with {0} companions")
    @ValueSource(ints = {1, 3, 7})
    void randomWeightSequencesBatchedTogetherMatchTheirSoloRuns(int companions) throws Exception {
        // Attention is live in a random model, so a sequence that saw another's cells would diverge.
        try (Model model = Model.load(random, ModelOptions.builder().contextSize(1024).threads(1)
                .parallelSequences(8).promptCache(false).build())) {
            List<int[]> solo = new ArrayList<>();
            for (int i = 0; i <= companions; i++) {
                solo.add(tokens(model, PROMPTS[i], 40 - 3 * i));
            }
            List<int[]> batched = staggered(model, companions, 40);
            for (int i = 0; i <= companions; i++) {
                assertEquals(java.util.Arrays.toString(solo.get(i)), java.util.Arrays.toString(batched.get(i)),
                        "sequence " + i);
            }
            assertEquals(0, model.stats().kvCellsInUse(), "every sequence gave its cells back");
        }
    }

    @Test
    void oneFailingCallbackEndsOnlyItsOwnSequence() throws Exception {
        try (Model model = Model.load(RiggedFiles.plusOne(), RiggedFiles.smallOptions(1024).parallelSequences(4).build())) {
            List<Generation> generations = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                int which = i;
                generations.add(model.submit(GenerationRequest.builder(PROMPTS[i]).maxTokens(30).build(), (t, g) -> {
                    if (which == 2 && t.index() == 10) {
                        throw new IllegalStateException("consumer 2 broke");
                    }
                }));
            }
            for (int i = 0; i < 4; i++) {
                GenerationResult result = generations.get(i).result().get(30, TimeUnit.SECONDS);
                if (i == 2) {
                    assertEquals(FinishReason.ERROR, result.finishReason());
                    assertEquals("consumer 2 broke", result.failure().orElseThrow().getMessage());
                } else {
                    assertEquals(FinishReason.MAX_TOKENS, result.finishReason());
                    assertEquals(RiggedFiles.PLUS_ONE.expectedText(PROMPTS[i], 30), result.text());
                }
            }
        }
    }

    @Test
    void aLongPromptIsEvaluatedInChunksBetweenTheRunningStreamsSteps() throws Exception {
        try (Model model = Model.load(RiggedFiles.plusOne(), RiggedFiles.smallOptions(2048)
                .batchSize(64).parallelSequences(2).build())) {
            List<String> events = new CopyOnWriteArrayList<>();
            List<Generation> late = new CopyOnWriteArrayList<>();
            String longPrompt = "a".repeat(640); // 641 tokens: eleven chunks of at most 63 beside the running one
            Generation running = model.submit(GenerationRequest.builder("abc").maxTokens(60).build(), (t, g) -> {
                events.add("running");
                if (t.index() == 0) {
                    late.add(model.submit(GenerationRequest.builder(longPrompt).maxTokens(1).build(),
                            (u, h) -> events.add("long")));
                }
            });
            running.result().get(30, TimeUnit.SECONDS);
            late.getFirst().result().get(30, TimeUnit.SECONDS);
            int longAt = events.indexOf("long");
            assertTrue(longAt >= 0, events.toString());
            // Token 0 came before the long prompt joined; one more token per chunk step followed while it was read.
            assertTrue(longAt >= 10, "the running stream went on while the prompt was read: " + events);
        }
    }

    @Test
    void statisticsCountStepsTokensAndQueue() throws Exception {
        try (Model model = Model.load(RiggedFiles.plusOne(), RiggedFiles.smallOptions(512)
                .parallelSequences(4).promptCache(false).build())) {
            EngineStats before = model.stats();
            assertEquals(0, before.steps());
            assertEquals(4, before.parallelSequences());
            assertEquals(512, before.contextSize());
            List<Generation> generations = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                generations.add(model.submit(GenerationRequest.builder("abc").maxTokens(20).build(),
                        TokenCallback.ignore()));
            }
            for (Generation generation : generations) {
                generation.result().get(30, TimeUnit.SECONDS);
            }
            EngineStats after = model.stats();
            assertEquals(80, after.generatedTokens());
            assertEquals(16, after.promptTokens());
            assertEquals(4, after.completedGenerations());
            assertEquals(0, after.activeSequences());
            assertEquals(0, after.queuedRequests());
            assertEquals(0, after.kvCellsInUse());
            assertTrue(after.steps() >= 20 && after.steps() < 80, "batched: " + after.steps() + " steps");
            assertTrue(after.averageTokensPerStep() > 1.0, String.valueOf(after.averageTokensPerStep()));
            assertTrue(after.decodeTime().toNanos() > 0);
        }
    }
}
