package dev.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.testkit.TestModels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Plain requests reusing the cells of earlier and concurrent ones (the prompt cache). */
class PromptCacheTest {
    private static Path plusTwoAdapter;

    @BeforeAll
    static void writeAdapter() throws IOException {
        plusTwoAdapter = RiggedFiles.newPath("cache-plus-two-lora.gguf");
        TestModels.plusTwoAdapter().write(plusTwoAdapter);
    }

    private static String run(Model model, String prompt, int max, AdapterSet adapters) {
        return model.generate(GenerationRequest.builder(prompt).maxTokens(max).adapters(adapters).build(),
                TokenCallback.ignore()).text();
    }

    @Test
    void aRequestReusesTheCellsAFinishedRequestWithTheSamePromptStartLeft() {
        try (Model model = Model.load(RiggedFiles.plusOne(), RiggedFiles.smallOptions(512).build())) {
            String shared = "The same long beginning, ";
            assertEquals(RiggedFiles.PLUS_ONE.expectedText(shared + "a", 5), run(model, shared + "a", 5, AdapterSet.none()));
            EngineStats before = model.stats();
            assertEquals(RiggedFiles.PLUS_ONE.expectedText(shared + "xy", 5), run(model, shared + "xy", 5, AdapterSet.none()));
            EngineStats after = model.stats();
            int common = model.tokenize(shared).length;
            assertEquals(common, after.reusedPromptTokens() - before.reusedPromptTokens());
            assertEquals(2, after.promptTokens() - before.promptTokens(), "only \"xy\" is evaluated");
        }
    }

    @Test
    void aSystemPromptSharedByFourConcurrentRequestsIsEvaluatedOnce() throws Exception {
        try (Model model = Model.load(RiggedFiles.plusOne(), RiggedFiles.smallOptions(1024).parallelSequences(4).build())) {
            String system = "You are a careful assistant who answers every question in one line. ";
            String[] questions = {"abc", "Hello", "xyz}", "0123"};
            EngineStats before = model.stats();
            List<Generation> generations = new ArrayList<>();
            for (String question : questions) {
                generations.add(model.submit(GenerationRequest.builder(system + question).maxTokens(8).build(),
                        TokenCallback.ignore()));
            }
            for (int i = 0; i < questions.length; i++) {
                assertEquals(RiggedFiles.PLUS_ONE.expectedText(system + questions[i], 8),
                        generations.get(i).result().get(30, TimeUnit.SECONDS).text(), "request " + i);
            }
            EngineStats after = model.stats();
            int shared = model.tokenize(system).length;
            int questionTokens = 0;
            for (String question : questions) {
                questionTokens += model.tokenize(system + question).length - shared;
            }
            assertEquals(shared + questionTokens, after.promptTokens() - before.promptTokens(),
                    "the system prompt is evaluated once");
            assertEquals(3L * shared, after.reusedPromptTokens() - before.reusedPromptTokens(), "and copied three times");
        }
    }

    @Test
    void cellsComputedUnderOneAdapterSetAreNeverReusedUnderAnother() {
        try (Model model = Model.load(RiggedFiles.plusOne(), RiggedFiles.smallOptions(512).build());
             LoraAdapter plusTwo = model.loadAdapter(plusTwoAdapter)) {
            AdapterSet adapted = AdapterSet.of(plusTwo, 1f);
            String prompt = "abcdefgh";
            int length = model.tokenize(prompt).length;
            run(model, prompt, 4, AdapterSet.none());

            long reused = model.stats().reusedPromptTokens();
            assertEquals(TestModels.plusTwo().expectedText(prompt, 4), run(model, prompt, 4, adapted));
            assertEquals(reused, model.stats().reusedPromptTokens(), "the base model's cells are not served to the adapter");

            assertEquals(RiggedFiles.PLUS_ONE.expectedText(prompt, 4), run(model, prompt, 4, AdapterSet.none()));
            assertEquals(reused, model.stats().reusedPromptTokens(), "nor the adapter's cells to the base model");

            assertEquals(RiggedFiles.PLUS_ONE.expectedText(prompt, 4), run(model, prompt, 4, AdapterSet.none()));
            assertEquals(reused + length - 1, model.stats().reusedPromptTokens(), "the same set reuses them");
        }
    }

    @Test
    void withoutThePromptCacheEveryPromptIsEvaluatedAndCellsAreFreed() {
        try (Model model = Model.load(RiggedFiles.plusOne(), RiggedFiles.smallOptions(512).promptCache(false).build())) {
            run(model, "abcdef", 3, AdapterSet.none());
            run(model, "abcdef", 3, AdapterSet.none());
            EngineStats stats = model.stats();
            assertEquals(0, stats.reusedPromptTokens());
            assertEquals(2L * model.tokenize("abcdef").length, stats.promptTokens());
            assertEquals(0, stats.kvCellsInUse());
        }
    }

    @Test
    void cachedCellsStayWithinEachSlotsShareOfTheContext() {
        try (Model model = Model.load(RiggedFiles.plusOne(), RiggedFiles.smallOptions(256).parallelSequences(2).build())) {
            for (int i = 0; i < 6; i++) {
                String prompt = (char) ('a' + i) + "bcdefghij".repeat(3);
                assertEquals(RiggedFiles.PLUS_ONE.expectedText(prompt, 20), run(model, prompt, 20, AdapterSet.none()));
            }
            assertTrue(model.stats().kvCellsInUse() <= 256, model.stats().kvCellsInUse() + " cells");
        }
    }
}
