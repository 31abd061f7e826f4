package dev.rill.reactor;

import dev.rill.EngineStats;
import dev.rill.Model;
import dev.rill.ModelOptions;
import dev.rill.testkit.LlamaModel;
import dev.rill.testkit.ModelFiles;
import dev.rill.testkit.RiggedModel;
import dev.rill.testkit.TestModels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Rigged models written once per JVM ({@link ModelFiles}), and a bounded wait for engine counters. */
final class Fixtures {
    static final RiggedModel PLUS_ONE = TestModels.plusOne();
    static final RiggedModel UTF8 = TestModels.utf8();
    static final RiggedModel PLUS_ONE_CHAT = TestModels.plusOne().withChatTemplate(LlamaModel.CHATML_TEMPLATE);
    /** How long a test waits for something the engine does within milliseconds. */
    static final Duration PATIENCE = Duration.ofSeconds(20);

    private Fixtures() {
    }

    /** The plus-one model: 4 slots of 128 cells, one thread. */
    static Model plusOne() {
        return plusOne(options(512, 4).build());
    }

    static Model plusOne(ModelOptions options) {
        return Model.load(file("plus-one.gguf", PLUS_ONE), options);
    }

    static Model utf8() {
        return Model.load(file("utf8.gguf", UTF8), options(512, 4).build());
    }

    static Model plusOneChat() {
        return plusOneChat(options(512, 4).build());
    }

    static Model plusOneChat(ModelOptions options) {
        return Model.load(file("plus-one-chat.gguf", PLUS_ONE_CHAT), options);
    }

    static ModelOptions.Builder options(int contextSize, int parallelSequences) {
        // Without the prompt cache a sequence's cells go when it ends, which the tests of release and cancel check.
        return ModelOptions.builder().contextSize(contextSize).threads(1).parallelSequences(parallelSequences)
                .promptCache(false);
    }

    private static Path file(String name, RiggedModel model) {
        return ModelFiles.file(name, model::write);
    }

    /**
     * Polls {@code model.stats()} until {@code condition} holds, for at most {@link #PATIENCE}; returns the
     * matching snapshot or fails with the last one. For counters the engine updates right after an event the
     * test already waited for (a result future), so the wait is short; it never stands in for a sleep.
     */
    static EngineStats awaitStats(Model model, Predicate<EngineStats> condition, String what) {
        return await(model::stats, condition, what);
    }

    static <T> T await(Supplier<T> probe, Predicate<T> condition, String what) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        T last = probe.get();
        while (!condition.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + PATIENCE + " waiting for " + what + "; last: " + last);
            }
            Thread.onSpinWait();
            Thread.yield();
            last = probe.get();
        }
        return last;
    }
}
