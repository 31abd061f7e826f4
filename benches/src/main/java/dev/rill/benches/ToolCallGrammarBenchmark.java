package dev.rill.benches;

import dev.rill.ChatCallback;
import dev.rill.ChatFormat;
import dev.rill.ChatMessage;
import dev.rill.ChatResult;
import dev.rill.FinishReason;
import dev.rill.GenerationRequest;
import dev.rill.ToolChoice;
import dev.rill.Model;
import dev.rill.Prompt;
import dev.rill.ToolDefinition;
import dev.rill.testkit.LlamaModel;
import dev.rill.ModelOptions;
import dev.rill.gguf.GgmlType;
import dev.rill.testkit.TestModels;
import java.io.IOException;
import java.nio.file.Files;
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
 * What does a tool call's lazy grammar cost while the model writes free text, against no grammar and against a
 * grammar that is on for every token?
 *
 * <p>Three chat generations of exactly {@code tokens} greedy tokens on a random-weight model with a
 * 32,000-token vocabulary and the rigged models' tiny shape, so that decoding is cheap and the sampler's share
 * shows (its free text never writes a call's opening): {@link #noTools} without tools;
 * {@link #lazyGrammar} with a tool offered in the Hermes format, so the output runs through the chat sampler,
 * which follows the text for the trigger but masks nothing before it; {@link #requiredCall} with the tool required, so
 * that the call's grammar is on from the first token and masks every one (its string argument outlasts the
 * token limit), which costs llama.cpp's pass over the whole vocabulary at each token. The setup checks the token counts.
 *
 * <pre>
 * java -jar benches/target/benchmarks.jar ToolCallGrammarBenchmark -f 1 -wi 1 -i 3
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Threads(1)
public class ToolCallGrammarBenchmark {
    private static final ToolDefinition TOOL = new ToolDefinition("get_weather", "Current weather.",
            "{\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}");

    /** One model and the three requests. */
    @State(Scope.Benchmark)
    public static class Engine {
        @Param({"50"})
        public int tokens;

        Path file;
        Model model;
        GenerationRequest noTools;
        GenerationRequest lazy;
        GenerationRequest alwaysOn;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            Path dir = Files.createTempDirectory("rill-bench-");
            file = dir.resolve("random-32k-tiny.gguf");
            // A 32k vocabulary on the rigged models' tiny shape: decoding is cheap, so the sampler's share shows.
            TestModels.randomWeights("random-32k-tiny", 32_000, TestModels.RIGGED_SHAPE, GgmlType.F32, 42L).write(file);
            model = Model.load(file, ModelOptions.builder().promptCache(false).threads(1).contextSize(512).build());
            List<ChatMessage> messages = List.of(ChatMessage.user(StreamingOverheadBenchmark.PROMPT));
            Prompt.Chat plain = Prompt.chatBuilder(messages).template(LlamaModel.CHATML_TEMPLATE).build();
            Prompt.Chat withTools = Prompt.chatBuilder(messages).template(LlamaModel.CHATML_TEMPLATE)
                    .tools(List.of(TOOL)).build();
            noTools = GenerationRequest.builder(plain).maxTokens(tokens).build();
            lazy = GenerationRequest.builder(withTools).maxTokens(tokens).chatFormat(ChatFormat.HERMES).build();
            alwaysOn = GenerationRequest.builder(withTools).maxTokens(tokens).chatFormat(ChatFormat.HERMES)
                    .toolChoice(ToolChoice.required()).build();
            for (GenerationRequest request : new GenerationRequest[] {noTools, lazy, alwaysOn}) {
                run(this, request);
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

    private static ChatResult run(Engine engine, GenerationRequest request) {
        ChatResult result = engine.model.chat(request, ChatCallback.ignore());
        if (result.generation().generatedTokens() != engine.tokens
                || result.generation().finishReason() != FinishReason.MAX_TOKENS || !result.toolCalls().isEmpty()) {
            throw new IllegalStateException("generated " + result.generation().generatedTokens() + " tokens ("
                    + result.finishReason() + "), not " + engine.tokens + " of free text");
        }
        return result;
    }

    /** A chat without tools. */
    @Benchmark
    public ChatResult noTools(Engine engine) {
        return run(engine, engine.noTools);
    }

    /** A chat with a tool and its lazy grammar, which the free text never triggers. */
    @Benchmark
    public ChatResult lazyGrammar(Engine engine) {
        return run(engine, engine.lazy);
    }

    /** A chat whose answer must be a call: the grammar masks every token (the call never ends in time). */
    @Benchmark
    public ChatResult requiredCall(Engine engine) {
        return run(engine, engine.alwaysOn);
    }
}
