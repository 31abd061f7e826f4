package dev.rill.benches;

import dev.rill.ChatCallback;
import dev.rill.ChatMessage;
import dev.rill.ChatResult;
import dev.rill.FinishReason;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.LanguageModel;
import dev.rill.Model;
import dev.rill.Prompt;
import dev.rill.TokenCallback;
import dev.rill.remote.RemoteModel;
import dev.rill.server.RillServer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
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
 * What does a {@link RemoteModel} over {@code rill serve} on loopback cost over the in-process {@link Model} it
 * serves, for the same request? Both paths run {@link LanguageModel#generate} on the random-weight 32k model of
 * {@link StreamingOverheadBenchmark}, greedy, exactly {@code tokens} tokens (checked at setup: the same text).
 * {@link #inProcess} is {@code Model.generate}; {@link #remote} streams the same request from a {@link RillServer}
 * on 127.0.0.1 in this JVM (HTTP, SSE, JSON both ways; the server's engine is the same model).
 * {@link #inProcessChat} and {@link #remoteChat} run {@link LanguageModel#chat} on one user message with the same
 * text (rendered with llama.cpp's default template, the file has none): the path the LangChain4j and Spring AI
 * models take, through {@code /v1/chat/completions} and its parsed deltas remotely.
 *
 * <p>Run (results in {@code benches/target/remote.json}):
 * <pre>
 * ./build -q -pl benches -am install -DskipTests
 * java -jar benches/target/benchmarks.jar RemoteModelBenchmark -rf json -rff benches/target/remote.json
 * java -cp benches/target/benchmarks.jar dev.rill.benches.JmhMedians benches/target/remote.json
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 8, time = 3)
@Threads(1)
public class RemoteModelBenchmark {

    /** The model, its server and a remote model on it. */
    @State(Scope.Benchmark)
    public static class Served {
        @Param({"50"})
        public int tokens;

        Path file;
        Model model;
        RillServer server;
        RemoteModel remote;
        GenerationRequest request;
        GenerationRequest chat;
        final TokenCallback callback = (token, generation) -> {
        };

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            file = StreamingOverheadBenchmark.writeModel();
            model = Model.load(file, StreamingOverheadBenchmark.options());
            server = RillServer.builder(model).port(0).modelId("bench").start();
            remote = RemoteModel.builder().baseUrl(server.uri().toString()).model("bench").build();
            request = GenerationRequest.builder(StreamingOverheadBenchmark.PROMPT).maxTokens(tokens).build();
            chat = GenerationRequest.builder(Prompt.chat(List.of(ChatMessage.user(StreamingOverheadBenchmark.PROMPT))))
                    .maxTokens(tokens).build();
            GenerationResult local = model.generate(request, callback);
            GenerationResult far = remote.generate(request, callback);
            if (local.finishReason() != FinishReason.MAX_TOKENS || !local.text().equals(far.text())
                    || far.generatedTokens() != tokens) {
                throw new IllegalStateException("the paths disagree or end early (" + local.finishReason() + ", "
                        + far.finishReason() + "):\n  " + local.text() + "\n  " + far.text());
            }
            ChatResult localChat = model.chat(chat, ChatCallback.ignore());
            ChatResult farChat = remote.chat(chat, ChatCallback.ignore());
            if (localChat.finishReason() != FinishReason.MAX_TOKENS || !localChat.content().equals(farChat.content())
                    || farChat.generation().generatedTokens() != tokens) {
                throw new IllegalStateException("the chat paths disagree or end early (" + localChat.finishReason()
                        + ", " + farChat.finishReason() + "):\n  " + localChat.content() + "\n  " + farChat.content());
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (remote != null) {
                remote.close();
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

    /** {@code Model.generate}, in this process. */
    @Benchmark
    public GenerationResult inProcess(Served state) {
        return check(state.model.generate(state.request, state.callback), state.tokens);
    }

    /** {@code RemoteModel.generate} over {@code rill serve} on loopback. */
    @Benchmark
    public GenerationResult remote(Served state) {
        return check(state.remote.generate(state.request, state.callback), state.tokens);
    }

    /** {@code Model.chat}, in this process: the output parsed in the model's chat format. */
    @Benchmark
    public ChatResult inProcessChat(Served state) {
        ChatResult result = state.model.chat(state.chat, ChatCallback.ignore());
        check(result.generation(), state.tokens);
        return result;
    }

    /** {@code RemoteModel.chat} over {@code rill serve} on loopback: chat completions, deltas parsed here. */
    @Benchmark
    public ChatResult remoteChat(Served state) {
        ChatResult result = state.remote.chat(state.chat, ChatCallback.ignore());
        check(result.generation(), state.tokens);
        return result;
    }

    private static GenerationResult check(GenerationResult result, int tokens) {
        if (result.generatedTokens() != tokens) {
            throw new IllegalStateException("generated " + result.generatedTokens() + " tokens, not " + tokens);
        }
        return result;
    }
}
