package dev.rill.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rill.testkit.TestModels;
import dev.rill.testkit.Vocabulary;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code rill template} and the one-shot chat flags ({@code --tools}, {@code --no-think}, {@code --json}). */
class ChatCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Writes the contents, "<tool_call>" for tools (so the format is Hermes), and a newline for the answer. */
    private static final String TEMPLATE = "{% if tools %}{{ 'tools: ' + tools|map(attribute='function.name')|join(',') "
            + "+ ' as <tool_call>\\n' }}{% endif %}{% for m in messages %}{{ m['role'] + ': ' + m['content'] }}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '\\n' }}{% endif %}";
    private static final String THINKING = "{% for m in messages %}{{ m['content'] }}{% endfor %}"
            + "{% if enable_thinking is defined and not enable_thinking %}{{ '<think>\\n\\n</think>\\n\\n' }}"
            + "{% else %}{{ '<think>\\n' }}{% endif %}";
    private static final String TOOLS = "[{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", "
            + "\"description\": \"Weather.\", \"parameters\": {\"type\": \"object\", \"properties\": {\"unit\": "
            + "{\"enum\": [\"celsius\", \"fahrenheit\"]}}, \"required\": [\"unit\"]}}}]";

    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = RillCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Path write(String name, String text) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    @Test
    void templatePrintsTheRenderedPromptExactly() throws Exception {
        Path model = dir.resolve("chat.gguf");
        TestModels.plusOne().withChatTemplate(TEMPLATE).write(model);
        Path messages = write("messages.json", "[{\"role\": \"system\", \"content\": \"Be brief.\"}, "
                + "{\"role\": \"user\", \"content\": \"Weather in Paris?\"}]");
        Run run = run("template", "--model", model.toString(), "--messages", messages.toString(),
                "--tools", write("tools.json", TOOLS).toString());
        assertEquals(0, run.exit(), run.err());
        assertEquals("tools: get_weather as <tool_call>\nsystem: Be brief.user: Weather in Paris?\n", run.out());

        Run bare = run("template", "--model", model.toString(), "--messages", messages.toString(),
                "--no-generation-prompt");
        assertEquals("system: Be brief.user: Weather in Paris?", bare.out());
    }

    @Test
    void templateRefusesBadInputWithAReason() throws Exception {
        Path model = dir.resolve("chat.gguf");
        TestModels.plusOne().withChatTemplate(TEMPLATE).write(model);
        Run missing = run("template", "--model", model.toString());
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("needs --model and --messages"), missing.err());
        Run notJson = run("template", "--model", model.toString(), "--messages", write("m.json", "[{").toString());
        assertEquals(1, notJson.exit());
        assertTrue(notJson.err().contains("is not JSON"), notJson.err());
    }

    @Test
    void toolsPrintTheCallsAsJson() throws Exception {
        Path model = dir.resolve("brace.gguf");
        TestModels.transition(Map.of(Vocabulary.byteToken('\n'), Vocabulary.byteToken('H')))
                .withChatTemplate(TEMPLATE).write(model);
        Path tools = write("tools.json", TOOLS);
        Run text = run("--model", model.toString(), "--threads", "1", "-p", "Weather?", "--tools", tools.toString(),
                "--tool-choice", "required", "-n", "200");
        assertEquals(0, text.exit(), text.err());
        String[] lines = text.out().strip().split("\n");
        JsonNode call = JSON.readTree(lines[lines.length - 1]);
        assertEquals("get_weather", call.get("name").asText());
        assertEquals("celsius", call.get("arguments").get("unit").asText());
        assertTrue(text.err().contains("TOOL_CALLS"), text.err());

        Run json = run("--model", model.toString(), "--threads", "1", "-p", "Weather?", "--tools", tools.toString(),
                "--tool-choice", "get_weather", "-n", "200", "--json");
        assertEquals(0, json.exit(), json.err());
        List<JsonNode> events = json.out().lines().map(ChatCliTest::parse).toList();
        JsonNode result = events.getLast();
        assertEquals("TOOL_CALLS", result.get("finish_reason").asText());
        assertEquals("get_weather", result.get("tool_calls").get(0).get("name").asText());
        assertTrue(events.subList(0, events.size() - 1).stream().allMatch(e -> e.has("channel") && e.has("id")));
        JsonNode first = events.stream().filter(e -> e.has("tool_calls")).findFirst().orElseThrow();
        assertEquals("get_weather", first.get("tool_calls").get(0).get("name").asText());
        assertEquals(result.get("tool_calls").get(0).get("id").asText(), first.get("tool_calls").get(0).get("id").asText());
    }

    @Test
    void noThinkTurnsThinkingOff() throws Exception {
        Path model = dir.resolve("thinking.gguf");
        TestModels.plusOne().withChatTemplate(THINKING).write(model);
        Run thinking = run("--model", model.toString(), "--threads", "1", "--chat", "-p", "Once upon a time", "-n", "4");
        assertEquals("\n", thinking.out(), "all four tokens were thinking");
        assertTrue(thinking.err().contains("[thinking] abcd"), thinking.err());
        Run off = run("--model", model.toString(), "--threads", "1", "--no-think", "-n", "4");
        assertEquals("abcd\n", off.out());
        Run budget = run("--model", model.toString(), "--threads", "1", "--reasoning-budget", "2", "-n", "14",
                "--json");
        JsonNode result = parse(budget.out().lines().toList().getLast());
        assertEquals("ab", result.get("reasoning").asText());
        assertEquals("ab", result.get("content").asText());
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            throw new AssertionError(line, e);
        }
    }
}
