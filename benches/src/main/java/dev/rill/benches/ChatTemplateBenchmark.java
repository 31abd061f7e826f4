package dev.rill.benches;

import dev.rill.ChatMessage;
import dev.rill.Model;
import dev.rill.ModelOptions;
import dev.rill.Prompt;
import dev.rill.ToolCall;
import dev.rill.ToolDefinition;
import dev.rill.internal.chat.ChatTemplates;
import dev.rill.testkit.ModelFiles;
import dev.rill.testkit.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of turning a conversation into a prompt: rendering a real chat template in Java ({@link #render}) and
 * rendering then tokenizing it as {@code Prompt.chat} does ({@link #renderAndTokenize}). The budget is
 * 1 ms per turn for both together.
 *
 * <p>{@code template} is a file of llama.cpp's models/templates, read from {@code core/target/llama-templates}
 * (fetched by the core build; {@code -Drill.templates.dir} names another folder). {@code turns} is the
 * conversation's length in user/assistant pairs after a system message, the last pair with a tool call and its
 * result, and one tool offered: the control, the cost should grow about linearly with it. Tokenization uses the
 * test kit's rigged byte-vocabulary model, one token per byte, which costs more tokens than a real vocabulary's.
 *
 * <pre>
 * ./build -q -pl core test-compile &amp;&amp; ./build -q -pl benches -am package -DskipTests
 * java -jar benches/target/benchmarks.jar ChatTemplateBenchmark
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Benchmark)
public class ChatTemplateBenchmark {
    @Param({"meta-llama-Llama-3.1-8B-Instruct.jinja", "Qwen-Qwen3-0.6B.jinja", "openai-gpt-oss-120b.jinja"})
    public String template;

    @Param({"1", "10"})
    public int turns;

    private String source;
    private Prompt.Chat chat;
    private Clock clock;
    private Model model;

    @Setup
    public void setUp() throws IOException {
        Path folder = Path.of(System.getProperty("rill.templates.dir", "core/target/llama-templates"));
        Path file = folder.resolve(template);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(file.toAbsolutePath() + " is missing: build core's tests first "
                    + "(./build -q -pl core test-compile) or set -Drill.templates.dir");
        }
        source = Files.readString(file);
        List<ChatMessage> messages = new ArrayList<>();
        messages.add(ChatMessage.system("You are a helpful assistant. Answer briefly and precisely."));
        for (int i = 0; i < turns - 1; i++) {
            messages.add(ChatMessage.user("Question number " + i + ": what is the capital of country " + i + "?"));
            messages.add(ChatMessage.assistant("The capital of country " + i + " is City " + i + ", on the river."));
        }
        messages.add(ChatMessage.user("What's the weather in Paris?"));
        messages.add(ChatMessage.assistant("", List.of(new ToolCall("call12345", "get_weather",
                "{\"city\": \"Paris\", \"unit\": \"celsius\"}"))));
        messages.add(ChatMessage.tool("call12345", "{\"temperature\": 18, \"sky\": \"clear\"}"));
        chat = Prompt.chatBuilder(messages).tools(List.of(new ToolDefinition("get_weather",
                "Current weather in a city.", "{\"type\": \"object\", \"properties\": {\"city\": {\"type\": "
                        + "\"string\"}, \"unit\": {\"type\": \"string\", \"enum\": [\"celsius\", \"fahrenheit\"]}}, "
                        + "\"required\": [\"city\"]}"))).build();
        clock = Clock.systemDefaultZone();
        String withTemplate = "bench-chat-" + template.replace(".jinja", "") + ".gguf";
        model = Model.load(ModelFiles.file(withTemplate, TestModels.plusOne().withChatTemplate(source)::write),
                ModelOptions.builder().contextSize(256).threads(1).build());
    }

    @TearDown
    public void tearDown() {
        model.close();
    }

    @Benchmark
    public String render() {
        return ChatTemplates.render(source, chat, true, "<|begin_of_text|>", "<|end_of_text|>", clock);
    }

    @Benchmark
    public int[] renderAndTokenize() {
        return model.tokenize(model.applyChatTemplate(chat, true), true, true);
    }
}
