package dev.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rill.testkit.ModelFiles;
import dev.rill.testkit.RiggedModel;
import dev.rill.testkit.TestModels;
import dev.rill.testkit.Vocabulary;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Tool calls end to end on rigged byte-vocabulary models: the lazy grammar switches on at the format's trigger
 * and holds the call to the tools' names and schemas, free text before it stays free, and the tool choices none,
 * required and named do what they say.
 */
class ChatToolCallsTest {
    /** Renders the messages' contents and ends the prompt with a newline. */
    private static final String TEMPLATE = "{% for m in messages %}{{ m['content'] }}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '\\n' }}{% endif %}";
    private static final ToolDefinition WEATHER = new ToolDefinition("get_weather", "Current weather.",
            "{\"type\": \"object\", \"properties\": {\"unit\": {\"enum\": [\"celsius\", \"fahrenheit\"]}}, "
                    + "\"required\": [\"unit\"]}");
    private static final ToolDefinition TIME = new ToolDefinition("get_time", "Current time.",
            "{\"type\": \"object\", \"properties\": {\"utc\": {\"type\": \"boolean\"}}, \"required\": [\"utc\"]}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static int b(char c) {
        return Vocabulary.byteToken(c);
    }

    /**
     * After the prompt's newline the model writes "{x" and would end there: a call opening that goes wrong. After a
     * '}' it writes '!' and ends.
     */
    private static Path braceThenX() {
        return file("chat-brace-x.gguf", TestModels.transition(Map.of(b('\n'), b('{'), b('{'), b('x'), b('}'), b('!'))));
    }

    private static Path file(String name, RiggedModel model) {
        return ModelFiles.file(name, model.withChatTemplate(TEMPLATE)::write);
    }

    private static Model load(Path path) {
        return Model.load(path, RiggedFiles.smallOptions().build());
    }

    private static Prompt.Chat prompt(ToolDefinition... tools) {
        return Prompt.chatBuilder(List.of(ChatMessage.user("Weather?"))).tools(List.of(tools)).build();
    }

    @Test
    void aCallOpeningSwitchesTheGrammarOnAndTheCallFollowsTheSchema() throws Exception {
        try (Model model = load(braceThenX())) {
            List<ChatToken> tokens = new ArrayList<>();
            ChatResult result = model.chat(GenerationRequest.builder(prompt(WEATHER)).chatFormat(ChatFormat.LLAMA3)
                    .maxTokens(200).build(), (token, generation) -> tokens.add(token));

            String text = result.generation().text();
            assertTrue(text.startsWith("{") && !text.contains("x"), "the model's 'x' after '{' was masked: " + text);
            assertTrue(text.endsWith("}!"), "after the call the grammar let go and the model wrote its '!': " + text);
            assertEquals(1, result.toolCalls().size(), text);
            ToolCall call = result.toolCalls().getFirst();
            assertEquals("get_weather", call.name());
            assertEquals(Map.of("unit", "celsius"), JSON.readValue(call.arguments(), Map.class));
            assertEquals(FinishReason.TOOL_CALLS, result.finishReason());
            assertEquals(FinishReason.END_OF_SEQUENCE, result.generation().finishReason(),
                    "once the call was complete the grammar let go and the model ended");
            assertEquals("!", result.content());

            // Streamed: the name first, then the arguments over several tokens.
            List<ToolCallDelta> deltas = tokens.stream().flatMap(t -> t.delta().toolCalls().stream()).toList();
            assertEquals("get_weather", deltas.getFirst().name());
            assertEquals(call.id(), deltas.getFirst().id());
            assertTrue(deltas.stream().filter(d -> !d.arguments().isEmpty()).count() > 3, "arguments grow: " + deltas);
            StringBuilder arguments = new StringBuilder();
            deltas.forEach(d -> arguments.append(d.arguments()));
            result.tail().toolCalls().forEach(d -> arguments.append(d.arguments()));
            assertEquals(call.arguments(), arguments.toString());
            assertTrue(tokens.subList(0, tokens.size() - 2).stream().allMatch(t -> t.channel() == ChatChannel.TOOL_CALL
                    || t.channel() == ChatChannel.MARKUP), "every token but the last two belongs to the call");
            assertEquals(ChatChannel.CONTENT, tokens.get(tokens.size() - 2).channel());
        }
    }

    @Test
    void freeTextBeforeATriggerIsNotConstrained() {
        // "Hi {x}" is no call: its brace does not open the answer. A grammar on from the start would refuse 'H'.
        try (Model model = load(file("chat-hi.gguf", TestModels.chain("\nHi {x}")))) {
            ChatResult result = model.chat(GenerationRequest.builder(prompt(WEATHER)).chatFormat(ChatFormat.LLAMA3)
                    .build(), ChatCallback.ignore());
            assertEquals("Hi {x}", result.generation().text());
            assertEquals("Hi {x}", result.content());
            assertTrue(result.toolCalls().isEmpty());
            assertEquals(FinishReason.END_OF_SEQUENCE, result.finishReason());
        }
    }

    @Test
    void toolChoiceNoneLeavesTheOutputAlone() {
        try (Model model = load(braceThenX())) {
            ChatResult result = model.chat(GenerationRequest.builder(prompt(WEATHER)).chatFormat(ChatFormat.LLAMA3)
                    .toolChoice(ToolChoice.none()).build(), ChatCallback.ignore());
            assertEquals("{x", result.generation().text());
            assertEquals("{x", result.content());
            assertTrue(result.toolCalls().isEmpty());
            assertEquals(FinishReason.END_OF_SEQUENCE, result.finishReason());
        }
    }

    @Test
    void toolChoiceRequiredMakesTheAnswerACall() throws Exception {
        // The model would say "Hi"; a required call starts the grammar with the answer, markers and all.
        try (Model model = load(file("chat-hi-only.gguf", TestModels.chain("\nHi")))) {
            List<ChatToken> tokens = new ArrayList<>();
            ChatResult result = model.chat(GenerationRequest.builder(prompt(WEATHER)).chatFormat(ChatFormat.HERMES)
                    .toolChoice(ToolChoice.required()).maxTokens(200).build(), (token, generation) -> tokens.add(token));
            String text = result.generation().text();
            assertTrue(text.startsWith("<tool_call>") && text.endsWith("</tool_call>"), "[" + text + "]");
            assertEquals(1, result.toolCalls().size(), text);
            assertEquals("get_weather", result.toolCalls().getFirst().name());
            assertEquals(Map.of("unit", "celsius"), JSON.readValue(result.toolCalls().getFirst().arguments(), Map.class));
            assertEquals("", result.content());
            assertEquals(FinishReason.TOOL_CALLS, result.finishReason());
            assertEquals(ChatChannel.MARKUP, tokens.get(10).channel(), "the token that completes <tool_call>");
        }
    }

    @ParameterizedTest
    @EnumSource(value = ChatFormat.class, names = {"HERMES", "LLAMA3", "MISTRAL", "HARMONY", "GENERIC"})
    void aRequiredCallIsWrittenThroughEachFormatsGrammar(ChatFormat format) throws Exception {
        for (boolean nameForm : format == ChatFormat.MISTRAL ? new boolean[] {false, true} : new boolean[] {false}) {
            // A Jinja comment carries the marker that makes Mistral's newer name[ARGS]{...} form.
            String template = nameForm ? "{# [ARGS] #}" + TEMPLATE : TEMPLATE;
            try (Model model = load(ModelFiles.file("chat-hi-" + nameForm + ".gguf",
                    TestModels.chain("\nHi").withChatTemplate(template)::write))) {
                ChatResult result = model.chat(GenerationRequest.builder(prompt(WEATHER, TIME)).chatFormat(format)
                        .toolChoice(ToolChoice.required()).maxTokens(200).build(), ChatCallback.ignore());
                String text = result.generation().text();
                assertTrue(text.startsWith(switch (format) {
                    case HERMES -> "<tool_call>";
                    case LLAMA3 -> "<|python_tag|>{"; // the optional tag: '<' has a lower id than '{'
                    case MISTRAL -> nameForm ? "[TOOL_CALLS]get_time[ARGS]" : "[TOOL_CALLS][";
                    case HARMONY -> "<|channel|>commentary to=functions.get_time";
                    default -> "{";
                }), text);
                assertFalse(result.toolCalls().isEmpty(), format + ": " + text);
                // Among the grammar's choices the rigged model takes the lowest token id: "get_time" < "get_weather".
                for (ToolCall call : result.toolCalls()) {
                    assertEquals("get_time", call.name(), text);
                    assertEquals(Map.of("utc", false), JSON.readValue(call.arguments(), Map.class), text);
                }
                assertEquals("", result.content(), text);
                if (format == ChatFormat.MISTRAL && !nameForm) {
                    // The array takes more calls, and ',' has a lower id than ']': calls until the token limit.
                    assertEquals(FinishReason.MAX_TOKENS, result.finishReason(), text);
                } else {
                    assertEquals(1, result.toolCalls().size(), text);
                    assertEquals(FinishReason.TOOL_CALLS, result.finishReason(), text);
                }
            }
        }
    }

    @Test
    void thinkingClosedAtItsBudgetThenARequiredCall() throws Exception {
        String thinking = "{% for m in messages %}{{ m['content'] }}{% endfor %}{{ '<think>\\n' }}";
        try (Model model = load(ModelFiles.file("chat-plus-one-thinking.gguf",
                TestModels.plusOne().withChatTemplate(thinking)::write))) {
            ChatResult result = model.chat(GenerationRequest.builder(prompt(WEATHER)).chatFormat(ChatFormat.HERMES)
                    .toolChoice(ToolChoice.required()).reasoningBudget(3).maxTokens(120).build(),
                    ChatCallback.ignore());
            String text = result.generation().text();
            assertTrue(text.startsWith("abc</think>\n\n<tool_call>"), text);
            assertEquals("abc", result.reasoning());
            assertEquals(1, result.toolCalls().size(), text);
            assertEquals("get_weather", result.toolCalls().getFirst().name());
            // After the call the grammar let go: the model counts on from the '>' of </tool_call>.
            assertTrue(result.content().startsWith("?@ABC"), result.content());
            assertEquals(FinishReason.MAX_TOKENS, result.finishReason(), "it never ends on its own");
        }
    }

    @Test
    void aNamedToolChoiceCallsThatTool() throws Exception {
        try (Model model = load(file("chat-hi-only.gguf", TestModels.chain("\nHi")))) {
            ChatResult result = model.chat(GenerationRequest.builder(prompt(WEATHER, TIME))
                    .chatFormat(ChatFormat.GENERIC).toolChoice(ToolChoice.named("get_time")).maxTokens(200).build(),
                    ChatCallback.ignore());
            assertEquals(1, result.toolCalls().size(), result.generation().text());
            assertEquals("get_time", result.toolCalls().getFirst().name());
            assertEquals(Map.of("utc", false), JSON.readValue(result.toolCalls().getFirst().arguments(), Map.class));
        }
    }

    @Test
    void withoutToolsTheAnswerIsContent() {
        try (Model model = load(braceThenX())) {
            ChatResult result = model.chat(GenerationRequest.builder(Prompt.chat(List.of(ChatMessage.user("Hi"))))
                    .chatFormat(ChatFormat.LLAMA3).build(), ChatCallback.ignore());
            assertEquals("{x", result.content());
            assertTrue(result.toolCalls().isEmpty());
        }
    }

    @Test
    void badChatRequestsAreRefusedWithAReason() {
        assertThrows(IllegalArgumentException.class, () -> GenerationRequest.builder(prompt(WEATHER))
                .toolChoice(ToolChoice.named("get_stock")));
        assertThrows(IllegalArgumentException.class, () -> GenerationRequest.builder("text")
                .toolChoice(ToolChoice.required()));
        try (Model model = load(braceThenX())) {
            IllegalArgumentException notChat = assertThrows(IllegalArgumentException.class,
                    () -> model.submitChat(GenerationRequest.of("plain"), ChatCallback.ignore()));
            assertTrue(notChat.getMessage().contains("chat prompt"), notChat.getMessage());
            Grammar mine = Grammar.compile(model, "root ::= \"a\"");
            IllegalArgumentException twoGrammars = assertThrows(IllegalArgumentException.class,
                    () -> model.submitChat(GenerationRequest.builder(prompt(WEATHER)).sampler(mine).build(),
                            ChatCallback.ignore()));
            assertTrue(twoGrammars.getMessage().contains("Grammar"), twoGrammars.getMessage());
            try (Model other = load(braceThenX())) {
                Grammar foreign = Grammar.compile(other, "root ::= \"a\"");
                IllegalArgumentException wrongModel = assertThrows(IllegalArgumentException.class,
                        () -> model.submitChat(GenerationRequest.builder(prompt(WEATHER)).sampler(foreign)
                                .toolChoice(ToolChoice.none()).build(), ChatCallback.ignore()));
                assertTrue(wrongModel.getMessage().contains("another model"), wrongModel.getMessage());
            }
            ToolDefinition unsupported = new ToolDefinition("f", "", "{\"type\": \"object\", \"patternProperties\": {}}");
            assertThrows(IllegalArgumentException.class, () -> model.submitChat(
                    GenerationRequest.builder(prompt(unsupported)).build(), ChatCallback.ignore()));
            assertFalse(model.isClosed());
        }
    }
}
