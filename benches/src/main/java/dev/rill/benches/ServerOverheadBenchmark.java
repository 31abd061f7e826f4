package dev.rill.benches;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rill.GenerationRequest;
import dev.rill.Model;
import dev.rill.reactor.ReactiveModel;
import dev.rill.server.RillServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What does a streamed completion over {@code rill serve} on loopback cost per token, against the in-process
 * {@code Flux<StreamToken>} it is built on?
 *
 * <p>One model (the random-weight 32k model in F16 of {@link StreamingOverheadBenchmark}: greedy from its prompt,
 * no end-of-generation token within 100 tokens, 2 threads) behind a {@link RillServer} on 127.0.0.1 in the same
 * JVM. {@link #flux} subscribes to {@link ReactiveModel#stream} with all demand up front and counts the tokens;
 * {@link #http} sends {@code POST /v1/completions} with {@code stream: true}, {@code temperature: 0} and
 * {@code max_tokens} through the JDK's HTTP client and reads every server-sent event up to {@code [DONE]}, so it
 * pays for the request, JSON per token, Netty's writes and the client's reads. Each invocation generates exactly
 * {@code tokens} tokens from an empty sequence (checked: the usage chunk's {@code completion_tokens} and
 * {@code finish_reason: "length"}). The difference over {@code tokens} is the HTTP path's per-token cost.
 *
 * <p>Run (results in {@code benches/target/server-overhead.json}):
 * <pre>
 * ./build -q -pl benches -am package -DskipTests
 * java -jar benches/target/benchmarks.jar ServerOverheadBenchmark -rf json -rff benches/target/server-overhead.json
 * java -cp benches/target/benchmarks.jar dev.rill.benches.JmhMedians benches/target/server-overhead.json
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 8, time = 2)
@Threads(1)
public class ServerOverheadBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The model, its Flux and a server on loopback. */
    @State(Scope.Benchmark)
    public static class ServedState {
        @Param({"50"})
        public int tokens;

        Path file;
        Model model;
        ReactiveModel reactive;
        RillServer server;
        HttpClient client;
        GenerationRequest request;
        HttpRequest httpRequest;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            file = StreamingOverheadBenchmark.writeModel();
            StreamingOverheadBenchmark.referenceTokens(file); // fails if greedy generation would stop early
            model = Model.load(file, StreamingOverheadBenchmark.options());
            reactive = ReactiveModel.of(model);
            server = RillServer.builder(model).port(0).modelId("bench").start();
            client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            request = GenerationRequest.builder(StreamingOverheadBenchmark.PROMPT).maxTokens(tokens).build();
            String body = JSON.createObjectNode().put("model", "bench")
                    .put("prompt", StreamingOverheadBenchmark.PROMPT).put("max_tokens", tokens)
                    .put("temperature", 0.0).put("stream", true)
                    .set("stream_options", JSON.createObjectNode().put("include_usage", true)).toString();
            httpRequest = HttpRequest.newBuilder(URI.create(server.uri() + "/v1/completions"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (client != null) {
                client.close();
            }
            if (server != null) {
                server.close();
            }
            if (model != null) {
                model.close();
            }
            StreamingOverheadBenchmark.deleteFolderOf(file);
        }
    }

    /** The in-process {@code Flux<StreamToken>}, all demand up front. */
    @Benchmark
    public long flux(ServedState state) {
        long count = state.reactive.stream(state.request).count().block();
        if (count != state.tokens) {
            throw new IllegalStateException("the Flux gave " + count + " tokens, not " + state.tokens);
        }
        return count;
    }

    /** The same generation streamed over HTTP on loopback, read event by event to {@code [DONE]}. */
    @Benchmark
    public int http(ServedState state) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = state.client.send(state.httpRequest,
                HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("the server answered " + response.statusCode() + ": "
                    + new String(response.body().readAllBytes(), StandardCharsets.UTF_8));
        }
        int events = 0;
        int completionTokens = -1;
        String finishReason = null;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (!line.startsWith("data: ")) {
                    continue;
                }
                String data = line.substring(6);
                if (data.equals("[DONE]")) {
                    break;
                }
                events++;
                if (data.contains("\"finish_reason\":\"") || data.contains("\"completion_tokens\"")) {
                    JsonNode event = JSON.readTree(data);
                    JsonNode choices = event.path("choices");
                    if (!choices.isEmpty() && choices.get(0).hasNonNull("finish_reason")) {
                        finishReason = choices.get(0).get("finish_reason").asText();
                    }
                    if (event.hasNonNull("usage")) {
                        completionTokens = event.get("usage").get("completion_tokens").asInt();
                    }
                }
            }
        }
        if (completionTokens != state.tokens || !"length".equals(finishReason)) {
            throw new IllegalStateException("the server generated " + completionTokens + " tokens (finish "
                    + finishReason + "), not " + state.tokens);
        }
        return events;
    }
}
