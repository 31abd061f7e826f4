package dev.rill.internal.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rill.ChatMessage;
import dev.rill.ChatTemplateException;
import dev.rill.Prompt;
import dev.rill.ToolCall;
import dev.rill.ToolDefinition;
import dev.rill.internal.jinja.JinjaException;
import dev.rill.internal.jinja.JinjaTemplate;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Renders the chat templates of llama.cpp's source (fetched at build time by tools/llama-templates) for fixed
 * conversations and compares, byte for byte, with what Python's jinja2 rendered under Hugging Face's conventions
 * (chat-templates.json, written by core/src/test/python/render_templates.py; docs/chat.md says how to regenerate
 * it). A conversation that jinja2 refused must fail here too. The same file holds small probe templates, one rule
 * each, checked the same way.
 */
class ChatTemplateConformanceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Map<String, Object> expected;
    private static Path templates;
    private static Clock clock;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void load() throws IOException {
        try (InputStream in = ChatTemplateConformanceTest.class.getResourceAsStream("/chat-templates.json")) {
            expected = JSON.readValue(in, Map.class);
        }
        templates = Path.of(System.getProperty("rill.templates.dir", "target/llama-templates"));
        if (!Files.isRegularFile(templates.resolve("source.properties"))) {
            fail("llama.cpp's chat templates are not in " + templates.toAbsolutePath() + ": the build fetches them in "
                    + "generate-test-resources (./build -pl core generate-test-resources; it needs npm and git)");
        }
        clock = Clock.fixed(LocalDateTime.parse((String) expected.get("now")).toInstant(ZoneOffset.UTC),
                ZoneOffset.UTC);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> section(String name) {
        return (Map<String, Map<String, Object>>) expected.get(name);
    }

    @Test
    void theFetchedTemplatesAreTheOnesTheExpectedStringsWereRenderedFrom() throws IOException {
        List<String> files;
        try (Stream<Path> list = Files.list(templates)) {
            files = list.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jinja")).sorted().toList();
        }
        assertEquals(section("templates").keySet().stream().sorted().toList(), files);
        for (String file : files) {
            assertEquals(section("templates").get(file).get("sha256"), sha256(templates.resolve(file)), file);
        }
    }

    @TestFactory
    @SuppressWarnings("unchecked")
    Stream<DynamicTest> everyTemplateRendersEveryConversationAsJinja2Does() {
        Map<String, Map<String, Object>> conversations = section("conversations");
        List<DynamicTest> tests = new ArrayList<>();
        section("templates").forEach((file, entry) -> {
            Map<String, Map<String, Object>> results = (Map<String, Map<String, Object>>) entry.get("results");
            results.forEach((name, result) -> tests.add(DynamicTest.dynamicTest(file + " / " + name, () -> {
                String source = Files.readString(templates.resolve(file), StandardCharsets.UTF_8);
                Map<String, Object> conversation = conversations.get(name);
                Prompt.Chat chat = chat(conversation);
                boolean addGenerationPrompt = (Boolean) conversation.get("add_generation_prompt");
                String bos = (String) expected.get("bos_token");
                String eos = (String) expected.get("eos_token");
                if (result.containsKey("output")) {
                    assertEquals(result.get("output"),
                            ChatTemplates.render(source, chat, addGenerationPrompt, bos, eos, clock));
                } else {
                    var error = assertThrows(ChatTemplateException.class,
                            () -> ChatTemplates.render(source, chat, addGenerationPrompt, bos, eos, clock),
                            "jinja2 raised " + result.get("error"));
                    assertTrue(error.line() > 0, "the error names the template line: " + error.getMessage());
                }
            })));
        });
        return tests.stream();
    }

    @TestFactory
    @SuppressWarnings("unchecked")
    Stream<DynamicTest> everyProbeRendersAsJinja2Does() {
        return section("probes").entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            Map<String, Object> probe = e.getValue();
            String template = (String) probe.get("template");
            Map<String, Object> variables = (Map<String, Object>) probe.get("variables");
            if (probe.containsKey("output")) {
                assertEquals(probe.get("output"), JinjaTemplate.compile(template).render(variables, clock));
            } else {
                assertThrows(JinjaException.class, () -> JinjaTemplate.compile(template).render(variables, clock),
                        "jinja2 raised " + probe.get("error"));
            }
        }));
    }

    /** The conversation as Rill's public types say it, so the test goes through the same conversion as Model. */
    @SuppressWarnings("unchecked")
    private static Prompt.Chat chat(Map<String, Object> conversation) {
        List<ChatMessage> messages = new ArrayList<>();
        for (Map<String, Object> m : (List<Map<String, Object>>) conversation.get("messages")) {
            List<ToolCall> calls = new ArrayList<>();
            for (Map<String, Object> call : (List<Map<String, Object>>) m.getOrDefault("tool_calls", List.of())) {
                Map<String, Object> function = (Map<String, Object>) call.get("function");
                calls.add(new ToolCall((String) call.get("id"), (String) function.get("name"),
                        json(function.get("arguments"))));
            }
            messages.add(new ChatMessage((String) m.get("role"), (String) m.get("content"), calls,
                    (String) m.get("tool_call_id")));
        }
        Prompt.ChatBuilder builder = Prompt.chatBuilder(messages);
        List<Map<String, Object>> tools = (List<Map<String, Object>>) conversation.get("tools");
        if (tools != null) {
            List<ToolDefinition> definitions = new ArrayList<>();
            for (Map<String, Object> tool : tools) {
                Map<String, Object> function = (Map<String, Object>) tool.get("function");
                definitions.add(new ToolDefinition((String) function.get("name"), (String) function.get("description"),
                        json(function.get("parameters"))));
            }
            builder.tools(definitions);
        }
        ((Map<String, Object>) conversation.getOrDefault("variables", Map.of())).forEach(builder::variable);
        return builder.build();
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
