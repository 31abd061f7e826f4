package dev.rill.remote;

import dev.rill.EngineStats;
import dev.rill.Model;
import dev.rill.ModelOptions;
import dev.rill.server.RillServer;
import dev.rill.testkit.ModelFiles;
import dev.rill.testkit.RiggedModel;
import dev.rill.testkit.TestModels;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * The rigged plus-one model in this process and behind a {@link RillServer} on 127.0.0.1 and an ephemeral port
 * (one slot, a queue of one, the plus-two adapter registered as {@code plus-two}), and a {@link RemoteModel} on it.
 */
final class RemoteFixture implements AutoCloseable {
    static final RiggedModel PLUS_ONE = TestModels.plusOne();
    static final Duration PATIENCE = Duration.ofSeconds(30);
    static final String KEY = "test-key";

    final Model model;
    final RillServer server;
    final RemoteModel remote;

    RemoteFixture() {
        model = Model.load(ModelFiles.file("plus-one.gguf", PLUS_ONE::write), ModelOptions.builder()
                .contextSize(4096).threads(1).parallelSequences(1).queueCapacity(1).build());
        try {
            server = RillServer.builder(model).port(0).modelId("plus-one").apiKey(KEY).start();
            server.adapters().register("plus-two",
                    ModelFiles.file("plus-two-lora.gguf", p -> TestModels.plusTwoAdapter().write(p)));
            remote = builder().build();
        } catch (RuntimeException | Error e) {
            model.close();
            throw e;
        }
    }

    /** A builder pointed at the server, with its key and the base model's name. */
    RemoteModel.Builder builder() {
        return RemoteModel.builder().baseUrl(server.uri().toString()).apiKey(KEY).model("plus-one");
    }

    /** Polls the served model's stats until {@code condition} holds, at most {@link #PATIENCE}. */
    EngineStats awaitStats(Predicate<EngineStats> condition, String what) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        EngineStats last = model.stats();
        while (!condition.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; last: " + last);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
            last = model.stats();
        }
        return last;
    }

    @Override
    public void close() {
        try {
            remote.close();
            server.close();
        } finally {
            model.close();
        }
    }
}
