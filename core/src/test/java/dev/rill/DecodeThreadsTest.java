package dev.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rill.llama.LlamaProfile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The current release's CPU backend has no OpenMP: unless a context has a thread pool of its own, every decode
 * starts its worker threads and joins them again. These tests count the process's native threads that engine
 * threads started (a native thread inherits its creator's name, which starts with {@code rill-engine}).
 */
class DecodeThreadsTest {
    private static final int THREADS = 2;

    @Test
    void aContextKeepsItsDecodeThreadsBetweenDecodesAndJoinsThemOnClose() throws IOException {
        long before = engineStartedThreads();
        Model model = Model.load(RiggedFiles.plusOne(), ModelOptions.builder().contextSize(256).threads(THREADS).build());
        assumeTrue(model.info().runtime().profile() == LlamaProfile.CURRENT,
                "b4916 is built with OpenMP, whose thread team persists by itself");
        try (model) {
            for (int i = 0; i < 3; i++) {
                assertEquals("defg", model.generate(GenerationRequest.builder("abc").maxTokens(4).build(),
                        TokenCallback.ignore()).text());
                // Between decodes the workers stay: the engine thread itself plus THREADS - 1 of them.
                long during = engineStartedThreads();
                assertTrue(during - before >= THREADS - 1,
                        "expected at least " + (THREADS - 1) + " decode threads alive between decodes, found "
                                + (during - before) + " more than before loading");
            }
        }
        // The engine thread goes back to the idle pool; the decode workers are joined.
        long after = engineStartedThreads();
        assertTrue(after - before <= 1, "decode threads left after close: " + (after - before));
    }

    /** Threads of this process named like an engine thread or started by one. */
    private static long engineStartedThreads() throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.filter(task -> {
                try {
                    return Files.readString(task.resolve("comm")).strip().startsWith("rill-engine");
                } catch (IOException gone) {
                    return false; // the thread ended while being listed
                }
            }).count();
        }
    }
}
