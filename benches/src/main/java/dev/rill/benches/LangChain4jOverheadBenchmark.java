package dev.rill.benches;

import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.rill.ChatMessage;
import dev.rill.FinishReason;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.Model;
import dev.rill.Prompt;
import dev.rill.TokenCallback;
import dev.rill.langchain4j.RillChatModel;
import dev.rill.langchain4j.RillStreamingChatModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
 * What does LangChain4j's {@code StreamingChatModel} over an in-process model ({@link RillStreamingChatModel})
 * cost over {@link Model#generate} with a no-op callback, for the same chat prompt? Goal: at most 1.02 times
 * the direct call at 50 tokens.
 *
 * <p>Same model and options as {@link StreamingOverheadBenchmark} (the random-weight 32k model in F16), greedy,
 * one user message rendered with llama.cpp's default template (the file has none), exactly {@code tokens} tokens
 * per invocation (checked at setup for every path). {@link #direct} is {@code Model.generate};
 * {@link #streaming} streams through a handler that sees every partial response and waits for
 * {@code onCompleteResponse}; {@link #blocking} is {@code ChatModel.chat}.
 *
 * <p>Run (results in {@code benches/target/langchain4j-overhead.json}):
 * <pre>
 * ./build -q -pl benches -am install -DskipTests
 * java -jar benches/target/benchmarks.jar LangChain4jOverheadBenchmark -rf json -rff benches/target/langchain4j-overhead.json
 * java -cp benches/target/benchmarks.jar dev.rill.benches.JmhMedians benches/target/langchain4j-overhead.json
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 8, time = 3)
@Threads(1)
public class LangChain4jOverheadBenchmark {
    private static final String MESSAGE = StreamingOverheadBenchmark.PROMPT;

    /** The model behind all three paths. */
    @State(Scope.Benchmark)
    public static class ChatState {
        @Param({"50"})
        public int tokens;

        Path file;
        Model model;
        GenerationRequest direct;
        ChatRequest chatRequest;
        RillStreamingChatModel streaming;
        RillChatModel blocking;
        final TokenCallback callback = (token, generation) -> {
        };

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            file = StreamingOverheadBenchmark.writeModel();
            model = Model.load(file, StreamingOverheadBenchmark.options());
            direct = GenerationRequest.builder(Prompt.chat(List.of(ChatMessage.user(MESSAGE)))).maxTokens(tokens)
                    .build();
            chatRequest = ChatRequest.builder().messages(UserMessage.from(MESSAGE))
                    .parameters(ChatRequestParameters.builder().maxOutputTokens(tokens).build()).build();
            streaming = RillStreamingChatModel.builder().model(model).build();
            blocking = RillChatModel.builder().model(model).build();
            GenerationResult result = model.generate(direct, callback);
            String viaStreaming = stream(this).aiMessage().text();
            String viaBlocking = blocking.chat(chatRequest).aiMessage().text();
            if (result.finishReason() != FinishReason.MAX_TOKENS || !result.text().equals(viaStreaming)
                    || !result.text().equals(viaBlocking)) {
                throw new IllegalStateException("the paths disagree or end early (" + result.finishReason()
                        + "):\n  " + result.text() + "\n  " + viaStreaming + "\n  " + viaBlocking);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (model != null) {
                model.close();
            }
            StreamingOverheadBenchmark.deleteFolderOf(file);
        }
    }

    /** Counts partial responses and completes a future with the response. */
    static final class Handler implements StreamingChatResponseHandler {
        final CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        int partials;

        @Override
        public void onPartialResponse(PartialResponse partialResponse, PartialResponseContext context) {
            partials++;
        }

        @Override
        public void onCompleteResponse(ChatResponse response) {
            done.complete(response);
        }

        @Override
        public void onError(Throwable error) {
            done.completeExceptionally(error);
        }
    }

    static ChatResponse stream(ChatState state) {
        Handler handler = new Handler();
        state.streaming.chat(state.chatRequest, handler);
        ChatResponse response = handler.done.join();
        if (response.tokenUsage().outputTokenCount() != state.tokens) {
            throw new IllegalStateException("streamed " + response.tokenUsage().outputTokenCount() + " tokens, not "
                    + state.tokens);
        }
        return response;
    }

    /** {@code Model.generate} with a callback that does nothing. */
    @Benchmark
    public GenerationResult direct(ChatState state) {
        GenerationResult result = state.model.generate(state.direct, state.callback);
        if (result.generatedTokens() != state.tokens) {
            throw new IllegalStateException("generated " + result.generatedTokens() + " tokens, not " + state.tokens);
        }
        return result;
    }

    /** LangChain4j's {@code StreamingChatModel}, every partial response handled. */
    @Benchmark
    public ChatResponse streaming(ChatState state) {
        return stream(state);
    }

    /** LangChain4j's {@code ChatModel}. */
    @Benchmark
    public ChatResponse blocking(ChatState state) {
        return state.blocking.chat(state.chatRequest);
    }
}
