package dev.rill.internal.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rill.ChatChannel;
import dev.rill.ChatDelta;
import dev.rill.ChatFormat;
import dev.rill.ChatResult;
import dev.rill.ChatToken;
import dev.rill.FinishReason;
import dev.rill.GenerationResult;
import dev.rill.StreamToken;
import dev.rill.Timings;
import dev.rill.ToolCall;
import dev.rill.ToolCallDelta;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each format's parser on recorded outputs of its family: whole, cut at every character boundary, and one
 * character at a time, the same answer, reasoning and calls come out, and the streamed deltas reassemble to them.
 */
class ChatOutputParsingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A recorded output and what it holds; calls as name=arguments JSON. */
    record Recording(String name, ChatSyntax syntax, String output, String content, String reasoning,
                     Map<String, String> calls) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static ChatSyntax syntax(ChatFormat format) {
        return new ChatSyntax(format, true, false, false);
    }

    static Stream<Arguments> recordings() {
        return Stream.of(
                new Recording("qwen3 thinking then a call", syntax(ChatFormat.HERMES),
                        "<think>\nThe user wants the weather in Paris. I should call get_weather.\n</think>\n\n"
                                + "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", "
                                + "\"unit\": \"celsius\"}}\n</tool_call>",
                        "", "\nThe user wants the weather in Paris. I should call get_weather.\n",
                        calls("get_weather", "{\"city\": \"Paris\", \"unit\": \"celsius\"}")),
                new Recording("qwen2.5 text then two calls", syntax(ChatFormat.HERMES),
                        "Let me check both.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": "
                                + "\"Paris\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"get_time\", \"arguments\": "
                                + "{\"zone\": \"Europe/Paris\"}}\n</tool_call>",
                        "Let me check both.\n", "",
                        calls("get_weather", "{\"city\": \"Paris\"}", "get_time", "{\"zone\": \"Europe/Paris\"}")),
                new Recording("hermes text with angle brackets and no call", syntax(ChatFormat.HERMES),
                        "Use a < b, <b>bold</b> and <tool_cal without a call. Caf\u00e9 \uD83D\uDE00",
                        "Use a < b, <b>bold</b> and <tool_cal without a call. Caf\u00e9 \uD83D\uDE00", "", Map.of()),
                new Recording("hermes arguments with braces inside strings", syntax(ChatFormat.HERMES),
                        "<tool_call>\n{\"arguments\": {\"code\": \"if (a) { print(\\\"}\\\") }\", \"n\": [1, "
                                + "{\"x\": 2}]}, \"name\": \"run\"}\n</tool_call>",
                        "", "", calls("run", "{\"code\": \"if (a) { print(\\\"}\\\") }\", \"n\": [1, {\"x\": 2}]}")),
                new Recording("qwen3 prompt opened the thinking", new ChatSyntax(ChatFormat.HERMES, true, true, false),
                        "Okay, 2 + 2.\n</think>\n\nThe answer is 4.", "The answer is 4.", "Okay, 2 + 2.\n", Map.of()),
                new Recording("qwen3 with tools off", new ChatSyntax(ChatFormat.HERMES, false, false, false),
                        "<think>\nhm\n</think>\n\n<tool_call>\n{}\n</tool_call>", "<tool_call>\n{}\n</tool_call>",
                        "\nhm\n", Map.of()),
                new Recording("llama 3.1 json call", syntax(ChatFormat.LLAMA3),
                        "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}", "", "",
                        calls("get_weather", "{\"city\": \"Paris\"}")),
                new Recording("llama 3.1 python tag", syntax(ChatFormat.LLAMA3),
                        "<|python_tag|>{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}", "", "",
                        calls("get_weather", "{\"city\": \"Paris\"}")),
                new Recording("llama 3.2 two calls", syntax(ChatFormat.LLAMA3),
                        "{\"type\": \"function\", \"name\": \"a\", \"parameters\": {}}; {\"name\": \"b\", "
                                + "\"parameters\": {\"x\": 1}}",
                        "", "", calls("a", "{}", "b", "{\"x\": 1}")),
                new Recording("llama text with braces later", syntax(ChatFormat.LLAMA3),
                        "The weather in Paris is {unknown}.", "The weather in Paris is {unknown}.", "", Map.of()),
                new Recording("mistral json array", syntax(ChatFormat.MISTRAL),
                        "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}, \"id\": "
                                + "\"abc123def\"}, {\"name\": \"get_time\", \"arguments\": {}}]",
                        "", "", calls("get_weather", "{\"city\": \"Paris\"}", "get_time", "{}")),
                new Recording("mistral name and args", syntax(ChatFormat.MISTRAL),
                        "[TOOL_CALLS]get_weather[ARGS]{\"city\": \"Paris\"}[TOOL_CALLS]get_time[ARGS]{\"zone\": "
                                + "\"UTC\"}",
                        "", "", calls("get_weather", "{\"city\": \"Paris\"}", "get_time", "{\"zone\": \"UTC\"}")),
                new Recording("mistral text then a call with an id", syntax(ChatFormat.MISTRAL),
                        "Sure. [TOOL_CALLS]get_weather[CALL_ID]a1b2c3d4e[ARGS]{\"city\": \"Paris [x]\"}",
                        "Sure. ", "", calls("get_weather", "{\"city\": \"Paris [x]\"}")),
                new Recording("gpt-oss analysis then a call", syntax(ChatFormat.HARMONY),
                        "<|channel|>analysis<|message|>User asks the weather. Use the tool.<|end|><|start|>assistant"
                                + "<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>"
                                + "{\"city\":\"Paris\"}<|call|>",
                        "", "User asks the weather. Use the tool.", calls("get_weather", "{\"city\":\"Paris\"}")),
                new Recording("gpt-oss analysis then the answer", syntax(ChatFormat.HARMONY),
                        "<|channel|>analysis<|message|>Simple.<|end|><|start|>assistant<|channel|>final<|message|>"
                                + "Hello <there>!<|return|>",
                        "Hello <there>!", "Simple.", Map.of()),
                new Recording("generic json call", syntax(ChatFormat.GENERIC),
                        "  {\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}", "", "",
                        calls("get_weather", "{\"city\": \"Paris\"}")),
                new Recording("generic text", syntax(ChatFormat.GENERIC), "Hello, world.", "Hello, world.", "",
                        Map.of())
        ).map(Arguments::of);
    }

    private static Map<String, String> calls(String... nameThenArguments) {
        Map<String, String> calls = new LinkedHashMap<>();
        for (int i = 0; i < nameThenArguments.length; i += 2) {
            calls.put(nameThenArguments[i], nameThenArguments[i + 1]);
        }
        return calls;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("recordings")
    void theWholeOutputParsesIntoItsChannelsAndCalls(Recording recording) {
        Parsed parsed = parse(recording, List.of(recording.output()));
        assertEquals(recording.content(), parsed.result.content(), "content");
        assertEquals(recording.reasoning(), parsed.result.reasoning(), "reasoning");
        Map<String, String> calls = new LinkedHashMap<>();
        for (ToolCall call : parsed.result.toolCalls()) {
            calls.put(call.name(), call.arguments());
            assertTrue(call.id() != null && !call.id().isBlank(), "every call has an id");
        }
        assertEquals(recording.calls(), calls, "calls");
        assertEquals(recording.calls().isEmpty() ? FinishReason.END_OF_SEQUENCE : FinishReason.TOOL_CALLS,
                parsed.result.finishReason());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("recordings")
    void cutAtEveryBoundaryTheStreamGivesTheSameResult(Recording recording) {
        Parsed whole = parse(recording, List.of(recording.output()));
        String output = recording.output();
        for (int cut = 0; cut <= output.length(); cut = output.offsetByCodePoints(cut, 1)) {
            Parsed split = parse(recording, List.of(output.substring(0, cut), output.substring(cut)));
            assertSame(whole, split, "cut at " + cut);
            if (cut == output.length()) {
                break;
            }
        }
        List<String> pieces = new ArrayList<>();
        output.codePoints().forEach(cp -> pieces.add(Character.toString(cp)));
        assertSame(whole, parse(recording, pieces), "one character at a time");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("recordings")
    void streamedDeltasReassembleToTheResult(Recording recording) throws Exception {
        String output = recording.output();
        List<String> pieces = new ArrayList<>();
        for (int i = 0; i < output.length(); i += 3) {
            pieces.add(output.substring(i, Math.min(output.length(), i + 3)));
        }
        Parsed parsed = parse(recording, pieces);
        StringBuilder content = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        Map<Integer, String[]> calls = new LinkedHashMap<>();
        List<ChatDelta> deltas = new ArrayList<>();
        parsed.tokens.forEach(t -> deltas.add(t.delta()));
        deltas.add(parsed.result.tail());
        for (ChatDelta delta : deltas) {
            content.append(delta.content());
            reasoning.append(delta.reasoning());
            for (ToolCallDelta call : delta.toolCalls()) {
                if (call.first()) {
                    assertEquals(calls.size(), call.index(), "a call's first delta comes in index order");
                    calls.put(call.index(), new String[] {call.id(), call.name(), call.arguments()});
                } else {
                    String[] known = calls.get(call.index());
                    known[2] += call.arguments();
                }
            }
        }
        assertEquals(parsed.result.content(), content.toString());
        assertEquals(parsed.result.reasoning(), reasoning.toString());
        List<ToolCall> complete = parsed.result.toolCalls();
        for (int i = 0; i < complete.size(); i++) {
            String[] streamed = calls.get(i);
            assertEquals(complete.get(i).id(), streamed[0]);
            assertEquals(complete.get(i).name(), streamed[1]);
            JsonNode expected = JSON.readTree(complete.get(i).arguments());
            assertEquals(expected, JSON.readTree(streamed[2]));
            assertEquals(complete.get(i).arguments(), streamed[2], "the fragments are the exact argument text");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("recordings")
    void everyCharacterLandsInOneChannel(Recording recording) {
        Map<ChatChannel, StringBuilder> channels = new LinkedHashMap<>();
        StringBuilder all = new StringBuilder();
        OutputParser parser = recording.syntax().parser();
        OutputSink sink = new OutputSink() {
            @Override
            public void text(ChatChannel channel, String text) {
                channels.computeIfAbsent(channel, c -> new StringBuilder()).append(text);
                all.append(text);
            }

            @Override
            public void callStart(String name, String id) {
            }

            @Override
            public void callArguments(String fragment) {
            }

            @Override
            public void callEnd() {
            }
        };
        for (int i = 0; i < recording.output().length(); i += 2) {
            parser.feed(recording.output().substring(i, Math.min(recording.output().length(), i + 2)), sink);
        }
        parser.finish(sink);
        assertEquals(recording.output(), all.toString(), "no text lost or repeated");
    }

    private static void assertSame(Parsed expected, Parsed actual, String where) {
        assertEquals(expected.result.content(), actual.result.content(), where + ": content");
        assertEquals(expected.result.reasoning(), actual.result.reasoning(), where + ": reasoning");
        assertEquals(expected.result.toolCalls(), actual.result.toolCalls(), where + ": calls");
    }

    record Parsed(List<ChatToken> tokens, ChatResult result) {
    }

    private static Parsed parse(Recording recording, List<String> pieces) {
        ChatOutput output = new ChatOutput(recording.syntax(), Map.of(), 42);
        List<ChatToken> tokens = new ArrayList<>();
        for (int i = 0; i < pieces.size(); i++) {
            tokens.add(output.onToken(new StreamToken(i, 0, pieces.get(i), 1f, 0f, false, List.of())));
        }
        String text = String.join("", pieces);
        GenerationResult generation = new GenerationResult(FinishReason.END_OF_SEQUENCE, text, 1, pieces.size(), 42,
                new Timings(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, 0, 0),
                Optional.empty());
        return new Parsed(tokens, output.finish(generation));
    }
}
