package dev.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.testkit.LoraAdapterFile;
import dev.rill.testkit.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** LoRA adapters chosen per request and switched mid-stream, against the real library. */
class AdapterTest {
    private static Path plusTwoFile;
    private static Path ffnDownFile;
    private Model model;

    @BeforeAll
    static void writeAdapters() throws IOException {
        plusTwoFile = RiggedFiles.newPath("plus-two-lora.gguf");
        TestModels.plusTwoAdapter().write(plusTwoFile);
        ffnDownFile = RiggedFiles.newPath("ffn-down-lora.gguf");
        ffnDownAdapter().write(ffnDownFile);
    }

    /**
     * A rank-4 adapter on {@code blk.0.ffn_down.weight}: a different tensor from the plus-two adapter's. The rigged
     * model's feed-forward input is zero, so it leaves the output as it is; it exists to change the graph.
     */
    static LoraAdapterFile ffnDownAdapter() {
        int ff = TestModels.RIGGED_SHAPE.feedForwardLength();
        int width = TestModels.RIGGED_SHAPE.embeddingLength();
        SplittableRandom random = new SplittableRandom(3);
        float[][] a = new float[4][ff];
        float[][] b = new float[width][4];
        for (float[] row : a) {
            for (int i = 0; i < row.length; i++) {
                row[i] = (float) random.nextGaussian() * 0.1f;
            }
        }
        for (float[] row : b) {
            for (int i = 0; i < row.length; i++) {
                row[i] = (float) random.nextGaussian() * 0.1f;
            }
        }
        return new LoraAdapterFile("ffn-down-lora", 4f,
                List.of(new LoraAdapterFile.Target("blk.0.ffn_down.weight", a, b)));
    }

    @BeforeEach
    void load() {
        model = Model.load(RiggedFiles.plusOne(), RiggedFiles.smallOptions(1024).parallelSequences(4).build());
    }

    @AfterEach
    void close() {
        model.close();
    }

    private String run(AdapterSet adapters, String prompt, int max) {
        return model.generate(GenerationRequest.builder(prompt).maxTokens(max).adapters(adapters).build(),
                TokenCallback.ignore()).text();
    }

    @Test
    void aRequestRunsWithTheAdapterItNames() {
        try (LoraAdapter plusTwo = model.loadAdapter(plusTwoFile)) {
            assertEquals("egikmo", run(AdapterSet.of(plusTwo, 1f), "abc", 6));
            assertEquals("defghi", run(AdapterSet.none(), "abc", 6), "the next request without it is the base model");
            assertEquals(TestModels.plusTwo().expectedText("xyz}", 8), run(AdapterSet.of(plusTwo, 1f), "xyz}", 8));
        }
    }

    @Test
    void scaleZeroIsTheBaseModel() {
        try (LoraAdapter plusTwo = model.loadAdapter(plusTwoFile)) {
            assertEquals("defghi", run(AdapterSet.of(plusTwo, 0f), "abc", 6));
        }
    }

    @Test
    void adaptersMixByScale() {
        try (LoraAdapter first = model.loadAdapter(plusTwoFile); LoraAdapter second = model.loadAdapter(plusTwoFile)) {
            // Half of the update ties b+1 and b+2 (greedy keeps the lower id); two halves make the whole update.
            assertEquals("defghi", run(AdapterSet.of(first, 0.5f), "abc", 6));
            assertEquals("egikmo", run(AdapterSet.builder().add(first, 0.5f).add(second, 0.5f).build(), "abc", 6));
        }
    }

    @Test
    void aMidStreamSwitchTakesEffectAtExactlyTheNextToken() {
        try (LoraAdapter plusTwo = model.loadAdapter(plusTwoFile)) {
            StringBuilder text = new StringBuilder();
            model.generate(GenerationRequest.builder("abc").maxTokens(8).build(), (token, generation) -> {
                text.append(token.text());
                if (token.index() == 2) {
                    generation.switchAdapters(AdapterSet.of(plusTwo, 1f));
                }
                if (token.index() == 5) {
                    generation.switchAdapters(AdapterSet.none());
                }
            });
            // d e f under the base, then +2: h j l, then +1 again: m n.
            assertEquals("defhjlmn", text.toString());
        }
    }

    @Test
    void aReevaluatingSwitchEvaluatesEverythingAgainUnderTheNewAdapters() {
        try (LoraAdapter plusTwo = model.loadAdapter(plusTwoFile)) {
            StringBuilder text = new StringBuilder();
            long promptTokensBefore = model.stats().promptTokens();
            model.generate(GenerationRequest.builder("abc").maxTokens(6).build(), (token, generation) -> {
                text.append(token.text());
                if (token.index() == 2) {
                    generation.switchAdaptersAndReevaluate(AdapterSet.of(plusTwo, 1f));
                }
            });
            assertEquals("defhjl", text.toString());
            // The 4 prompt tokens, then again the prompt and the 3 tokens generated before the switch.
            assertEquals(4 + 4 + 3, model.stats().promptTokens() - promptTokensBefore);
        }
    }

    @Test
    void concurrentSequencesWithDifferentAdaptersEachGetTheirOwnOutput() throws Exception {
        try (LoraAdapter plusTwo = model.loadAdapter(plusTwoFile); LoraAdapter ffn = model.loadAdapter(ffnDownFile)) {
            AdapterSet[] sets = {AdapterSet.none(), AdapterSet.of(plusTwo, 1f), AdapterSet.of(ffn, 1f),
                    AdapterSet.builder().add(plusTwo, 1f).add(ffn, 1f).build()};
            String[] expected = {TestModels.plusOne().expectedText("abc", 20), TestModels.plusTwo().expectedText("abc", 20),
                    TestModels.plusOne().expectedText("abc", 20), TestModels.plusTwo().expectedText("abc", 20)};
            for (int round = 0; round < 3; round++) {
                List<Generation> generations = new ArrayList<>();
                for (AdapterSet set : sets) {
                    generations.add(model.submit(GenerationRequest.builder("abc").maxTokens(20).adapters(set).build(),
                            TokenCallback.ignore()));
                }
                for (int i = 0; i < sets.length; i++) {
                    assertEquals(expected[i], generations.get(i).await().text(), "set " + i);
                }
            }
            assertTrue(model.stats().adapterSwitches() > 10, "the groups took turns: " + model.stats());
        }
    }

    @Test
    void switchingBetweenAdaptersOnDifferentTensorsIsSafe() {
        // llama.cpp b4916 aborts when one adapter is detached and another, on a different tensor, attached for the
        // next decode (same graph size, different shape). The engine never does both in one step; this runs every
        // kind of transition between the two adapters, one after another and mid-stream.
        try (LoraAdapter output = model.loadAdapter(plusTwoFile); LoraAdapter ffn = model.loadAdapter(ffnDownFile)) {
            for (int round = 0; round < 5; round++) {
                assertEquals("egikmo", run(AdapterSet.of(output, 1f), "abc", 6));
                assertEquals("defghi", run(AdapterSet.of(ffn, 1f), "abc", 6));
                assertEquals("defghi", run(AdapterSet.none(), "abc", 6));
                assertEquals("defghi", run(AdapterSet.of(ffn, 1f), "abc", 6));
                assertEquals("egikmo", run(AdapterSet.of(output, 1f), "abc", 6));
            }
            StringBuilder text = new StringBuilder();
            model.generate(GenerationRequest.builder("abc").maxTokens(12).adapters(AdapterSet.of(output, 1f)).build(),
                    (token, generation) -> {
                        text.append(token.text());
                        switch (token.index() % 3) {
                            case 0 -> generation.switchAdapters(AdapterSet.of(ffn, 1f));
                            case 1 -> generation.switchAdapters(AdapterSet.of(output, 1f));
                            default -> generation.switchAdapters(AdapterSet.none());
                        }
                    });
            assertEquals(12, text.length());
        }
    }

    @Test
    void closingAnAdapterInUseDefersTheFreeUntilItsLastUserEnds() throws Exception {
        LoraAdapter plusTwo = model.loadAdapter(plusTwoFile);
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Generation generation = model.submit(GenerationRequest.builder("abc").maxTokens(6)
                .adapters(AdapterSet.of(plusTwo, 1f)).build(), (token, g) -> {
                    running.countDown();
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
        assertTrue(running.await(10, TimeUnit.SECONDS));
        assertTrue(plusTwo.isInUse());
        plusTwo.close();
        assertTrue(plusTwo.isClosed());
        assertFalse(plusTwo.isFreed(), "a running stream still uses it");
        assertThrows(IllegalStateException.class, () -> run(AdapterSet.of(plusTwo, 1f), "abc", 2));
        release.countDown();
        assertEquals("egikmo", generation.await().text(), "the stream finished with its adapter");
        run(AdapterSet.none(), "abc", 2); // a step without the adapter lets the engine detach it
        assertTrue(plusTwo.isFreed());
        assertFalse(plusTwo.isInUse());
    }

    @Test
    void anAdapterOfAnotherModelIsRefused() {
        try (Model other = RiggedFiles.loadPlusOne(); LoraAdapter foreign = other.loadAdapter(plusTwoFile)) {
            var error = assertThrows(IllegalArgumentException.class, () -> run(AdapterSet.of(foreign, 1f), "abc", 2));
            assertTrue(error.getMessage().contains("another model"), error.getMessage());
        }
    }

    @Test
    void badAdapterFilesAreClearErrorsAndChangeNothing() throws IOException {
        var missing = assertThrows(AdapterLoadException.class, () -> model.loadAdapter(Path.of("/nonexistent/a.gguf")));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());

        Path garbage = RiggedFiles.newPath("garbage.gguf");
        Files.writeString(garbage, "not an adapter at all");
        var corrupt = assertThrows(AdapterLoadException.class, () -> model.loadAdapter(garbage));
        assertTrue(corrupt.getMessage().contains("does not start with \"GGUF\""), corrupt.getMessage());

        var notAdapter = assertThrows(AdapterLoadException.class, () -> model.loadAdapter(RiggedFiles.plusOne()));
        assertTrue(notAdapter.getMessage().contains("is not an adapter: its general.type is (missing)"),
                notAdapter.getMessage());

        Path truncated = RiggedFiles.newPath("truncated-lora.gguf");
        byte[] whole = Files.readAllBytes(plusTwoFile);
        Files.write(truncated, java.util.Arrays.copyOf(whole, whole.length - 100));
        var cut = assertThrows(AdapterLoadException.class, () -> model.loadAdapter(truncated));
        assertTrue(cut.getMessage().contains("truncated"), cut.getMessage());

        // An adapter for a wider model: its A matrix has the wrong row length for this model's output.weight.
        Path wrongShape = RiggedFiles.newPath("wrong-shape-lora.gguf");
        new LoraAdapterFile("wrong", 1f, List.of(new LoraAdapterFile.Target("output.weight",
                new float[2][320], new float[259][2]))).write(wrongShape);
        var shape = assertThrows(AdapterLoadException.class, () -> model.loadAdapter(wrongShape));
        assertTrue(shape.getMessage().contains("does not fit the model"), shape.getMessage());
        assertTrue(shape.getMessage().contains("output.weight is [288, 259] but the adapter's A is [320, 2]"),
                shape.getMessage());

        // A tensor the base model does not have.
        Path unknownTensor = RiggedFiles.newPath("unknown-tensor-lora.gguf");
        new LoraAdapterFile("unknown", 1f, List.of(new LoraAdapterFile.Target(
                "blk.7.ffn_down.weight", new float[2][64], new float[288][2]))).write(unknownTensor);
        var unknown = assertThrows(AdapterLoadException.class, () -> model.loadAdapter(unknownTensor));
        assertTrue(unknown.getMessage().contains("changes the tensor blk.7.ffn_down.weight, which the model"),
                unknown.getMessage());

        // An adapter for another architecture.
        Path otherArchitecture = RiggedFiles.newPath("gpt2-lora.gguf");
        new dev.rill.gguf.GgufWriter()
                .metadata("general.architecture", dev.rill.gguf.GgufValue.string("gpt2"))
                .metadata("general.type", dev.rill.gguf.GgufValue.string("adapter"))
                .metadata("adapter.type", dev.rill.gguf.GgufValue.string("lora"))
                .metadata("adapter.lora.alpha", dev.rill.gguf.GgufValue.float32(1f))
                .tensor("output.weight.lora_a", dev.rill.gguf.GgmlType.F32, new long[] {288, 2}, new float[576])
                .tensor("output.weight.lora_b", dev.rill.gguf.GgmlType.F32, new long[] {2, 259}, new float[518])
                .write(otherArchitecture);
        var architecture = assertThrows(AdapterLoadException.class, () -> model.loadAdapter(otherArchitecture));
        assertTrue(architecture.getMessage().contains("is for the gpt2 architecture, but the model"),
                architecture.getMessage());

        // llama.cpp aborts the process on an alpha of another type (GGML_ASSERT in gguf_get_val_f32).
        Path intAlpha = RiggedFiles.newPath("int-alpha-lora.gguf");
        new dev.rill.gguf.GgufWriter()
                .metadata("general.architecture", dev.rill.gguf.GgufValue.string("llama"))
                .metadata("general.type", dev.rill.gguf.GgufValue.string("adapter"))
                .metadata("adapter.type", dev.rill.gguf.GgufValue.string("lora"))
                .metadata("adapter.lora.alpha", dev.rill.gguf.GgufValue.uint32(1))
                .tensor("output.weight.lora_a", dev.rill.gguf.GgmlType.F32, new long[] {288, 2}, new float[576])
                .tensor("output.weight.lora_b", dev.rill.gguf.GgmlType.F32, new long[] {2, 259}, new float[518])
                .write(intAlpha);
        var alpha = assertThrows(AdapterLoadException.class, () -> model.loadAdapter(intAlpha));
        assertTrue(alpha.getMessage().contains("stores adapter.lora.alpha as GGUF value type 4"), alpha.getMessage());
        try (LoraAdapter loaded = model.loadAdapter(plusTwoFile)) {
            // rank 95: A is 95 x 288 and B is 259 x 95 floats.
            assertEquals(4L * (95 * 288 + 259 * 95), model.checkAdapter(plusTwoFile));
            assertEquals(model.checkAdapter(plusTwoFile), loaded.sizeBytes());
        }

        assertEquals("defghi", run(AdapterSet.none(), "abc", 6), "the model is untouched");
    }

    @Test
    void closingTheModelFreesAdaptersLeftOpen() {
        LoraAdapter plusTwo = model.loadAdapter(plusTwoFile);
        run(AdapterSet.of(plusTwo, 1f), "abc", 3);
        model.close();
        assertTrue(plusTwo.isFreed());
        plusTwo.close(); // still safe
        assertThrows(IllegalStateException.class, () -> model.loadAdapter(plusTwoFile));
    }
}
