package dev.rill.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rill.EngineStats;
import dev.rill.Model;
import dev.rill.ModelOptions;
import dev.rill.testkit.ModelFiles;
import dev.rill.testkit.RiggedModel;
import dev.rill.testkit.TestModels;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A rigged model behind a server on 127.0.0.1 and an ephemeral port, with the plus-two adapter registered as
 * {@code plus-two}, and a JDK HTTP client to call it.
 */
final class ServerFixture implements AutoCloseable {
    static final RiggedModel PLUS_ONE = TestModels.plusOne();
    static final ObjectMapper JSON = new ObjectMapper();
    /** How long a test waits for something the engine does within milliseconds. */
    static final Duration PATIENCE = Duration.ofSeconds(30);

    final Model model;
    final RillServer server;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private ServerFixture(Model model, RillServer server) {
        this.model = model;
        this.server = server;
    }

    /** A server of the plus-one model with {@code slots} sequences of {@code cellsPerSlot} cells. */
    static ServerFixture start(int slots, int cellsPerSlot, java.util.function.Consumer<RillServer.Builder> options) {
        return start(ModelOptions.builder().contextSize(slots * cellsPerSlot).threads(1).parallelSequences(slots)
                .build(), options);
    }

    static ServerFixture start(ModelOptions modelOptions, java.util.function.Consumer<RillServer.Builder> options) {
        Model model = Model.load(plusOneFile(), modelOptions);
        try {
            RillServer.Builder builder = RillServer.builder(model).port(0).modelId("plus-one");
            options.accept(builder);
            RillServer server = builder.start();
            server.adapters().register("plus-two", plusTwoFile());
            return new ServerFixture(model, server);
        } catch (RuntimeException | Error e) {
            model.close();
            throw e;
        }
    }

    /** A server of the model in {@code file}, with no adapters, named {@code model}. */
    static ServerFixture serve(Path file, ModelOptions modelOptions) {
        Model model = Model.load(file, modelOptions);
        try {
            return new ServerFixture(model, RillServer.builder(model).port(0).modelId("model").start());
        } catch (RuntimeException | Error e) {
            model.close();
            throw e;
        }
    }

    /** Options for a rigged model of {@code slots} sequences of {@code cellsPerSlot} cells, one thread. */
    static ModelOptions options(int slots, int cellsPerSlot) {
        return ModelOptions.builder().contextSize(slots * cellsPerSlot).threads(1).parallelSequences(slots).build();
    }

    static Path plusOneFile() {
        return ModelFiles.file("plus-one.gguf", PLUS_ONE::write);
    }

    static Path plusTwoFile() {
        return ModelFiles.file("plus-two-lora.gguf", p -> TestModels.plusTwoAdapter().write(p));
    }

    URI uri(String path) {
        return server.uri().resolve(path);
    }

    /** POSTs {@code body} as JSON to {@code path} of any running server. */
    static HttpResponse<String> send(RillServer server, String path, String body)
            throws IOException, InterruptedException {
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            return client.send(HttpRequest.newBuilder(server.uri().resolve(path)).timeout(PATIENCE)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    HttpResponse<String> post(String path, String body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(PATIENCE)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(PATIENCE).GET();
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> delete(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(path)).timeout(PATIENCE).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(String text) throws IOException {
        return JSON.readTree(text);
    }

    /** The text the plus-one model continues {@code prompt} with, greedily, for {@code tokens} tokens. */
    static String expected(String prompt, int tokens) {
        return PLUS_ONE.expectedText(prompt, tokens);
    }

    /** Polls the engine's stats until {@code condition} holds, at most {@link #PATIENCE}. */
    EngineStats awaitStats(Predicate<EngineStats> condition, String what) {
        return await(model::stats, condition, what);
    }

    static <T> T await(Supplier<T> probe, Predicate<T> condition, String what) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        T last = probe.get();
        while (!condition.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + PATIENCE + " waiting for " + what + "; last: " + last);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
            last = probe.get();
        }
        return last;
    }

    @Override
    public void close() {
        try {
            server.close();
        } finally {
            model.close();
        }
    }
}
