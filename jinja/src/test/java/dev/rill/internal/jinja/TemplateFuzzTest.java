package dev.rill.internal.jinja;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fuzz target for the Jinja interpreter, which runs the chat template a model file carries: any template compiles
 * and renders a fixed conversation (with tools, a tool call and its result) to a string, or throws
 * {@link JinjaException}; never another exception, a stack overflow, a hang or memory out of proportion to the
 * template. Without {@code JAZZER_FUZZ} JUnit runs the seeds in {@code TemplateFuzzTestInputs/render/};
 * {@code tools/fuzz} fuzzes.
 */
class TemplateFuzzTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC);
    private static final Map<String, Object> VARIABLES = variables();

    private static Map<String, Object> variables() {
        Map<String, Object> call = new LinkedHashMap<>();
        call.put("id", "call_1");
        call.put("type", "function");
        call.put("function", Map.of("name", "get_weather", "arguments", Map.of("city", "Paris")));
        Map<String, Object> assistant = new LinkedHashMap<>();
        assistant.put("role", "assistant");
        assistant.put("content", "");
        assistant.put("tool_calls", List.of(call));
        Map<String, Object> tool = Map.of("type", "function", "function", Map.of("name", "get_weather",
                "description", "Weather of a city", "parameters", Map.of("type", "object",
                        "properties", Map.of("city", Map.of("type", "string")), "required", List.of("city"))));
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put("messages", List.of(
                Map.of("role", "system", "content", "Be brief."),
                Map.of("role", "user", "content", "Weather in Paris?"),
                assistant,
                Map.of("role", "tool", "tool_call_id", "call_1", "content", "sunny"),
                Map.of("role", "user", "content", "Thanks")));
        variables.put("tools", List.of(tool));
        variables.put("add_generation_prompt", true);
        variables.put("bos_token", "<s>");
        variables.put("eos_token", "</s>");
        return variables;
    }

    @FuzzTest
    void render(byte[] bytes) {
        String source = new String(bytes, StandardCharsets.UTF_8);
        try {
            JinjaTemplate.compile(source).render(VARIABLES, CLOCK);
        } catch (JinjaException expected) {
            if (expected.getMessage() == null || expected.getMessage().isEmpty()) {
                throw new AssertionError("a refusal without a reason", expected);
            }
        }
    }
}
