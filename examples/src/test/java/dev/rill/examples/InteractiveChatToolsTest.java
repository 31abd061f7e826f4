package dev.rill.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rill.testkit.TestModels;
import dev.rill.testkit.Vocabulary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code rill --chat --tools}: a conversation whose replies call tools, printed as JSON, answered with /tool. */
class InteractiveChatToolsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Writes "<tool_call>" for tools (so the format is Hermes), the contents, and a newline for the answer. */
    private static final String TEMPLATE = "{% if tools %}{{ 'tools as <tool_call>\\n' }}{% endif %}"
            + "{% for m in messages %}{{ m['role'] + ': ' + m['content'] }}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '\\n' }}{% endif %}";
    private static final String TOOLS = "[{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", "
            + "\"description\": \"Weather.\", \"parameters\": {\"type\": \"object\", \"properties\": {\"unit\": "
            + "{\"enum\": [\"celsius\", \"fahrenheit\"]}}, \"required\": [\"unit\"]}}}]";

    @TempDir
    Path dir;

    @Test
    void eachReplysCallsArePrintedAndAToolsAnswerIsTheNextTurn() throws Exception {
        Path model = dir.resolve("calls.gguf");
        TestModels.transition(Map.of(Vocabulary.byteToken('\n'), Vocabulary.byteToken('H')))
                .withChatTemplate(TEMPLATE).write(model);
        Path tools = Files.writeString(dir.resolve("tools.json"), TOOLS);
        CliRun run = CliRun.withInput("Weather?\n/tool call_1 sunny\n", "--model", model.toString(), "--chat",
                "--threads", "1", "--tools", tools.toString(), "--tool-choice", "required", "-n", "200");
        assertEquals(0, run.exit(), run.err());
        List<JsonNode> calls = run.out().lines().filter(line -> line.startsWith("{")).map(line -> {
            try {
                return JSON.readTree(line);
            } catch (Exception e) {
                throw new AssertionError(line, e);
            }
        }).toList();
        assertEquals(2, calls.size(), "one call per turn, the second after the tool's answer: " + run.out());
        for (JsonNode call : calls) {
            assertEquals("get_weather", call.get("name").asText());
            assertEquals("celsius", call.get("arguments").get("unit").asText());
        }
        assertTrue(run.err().contains("TOOL_CALLS"), run.err());
    }

    @Test
    void toolNeedsACallIdAndAResult() throws Exception {
        Path model = dir.resolve("plain.gguf");
        TestModels.plusOne().withChatTemplate(TEMPLATE).write(model);
        CliRun run = CliRun.withInput("/tool call_1\n", "--model", model.toString(), "--chat", "--threads", "1");
        assertEquals(1, run.exit());
        assertTrue(run.err().contains("/tool needs a call id and the result"), run.err());
    }
}
