package dev.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Chat prompts go through the Jinja template stored in the model's GGUF, rendered in Java. */
class ChatTemplateTest {
    /**
     * A template llama.cpp's built-in list does not know: only a Jinja renderer gets it right. Its raise_exception
     * is on line 3.
     */
    static final String TEMPLATE = """
            {{- bos_token -}}
            {%- for m in messages -%}
            {%- if m.role == 'system' %}{{ raise_exception('no system messages, please') }}{% endif -%}
            <{{ m.role | upper }}>{{ m.content | trim }}
            {%- endfor -%}
            {%- if add_generation_prompt %}<ASSISTANT>{% endif -%}
            """;

    private static Model model;
    private static Model withoutTemplate;

    @BeforeAll
    static void load() {
        model = Model.load(RiggedFiles.plusOneWithChatTemplate("plus-one-jinja.gguf", TEMPLATE),
                RiggedFiles.smallOptions().build());
        withoutTemplate = RiggedFiles.loadPlusOne();
    }

    @AfterAll
    static void close() {
        model.close();
        withoutTemplate.close();
    }

    @Test
    void aChatPromptIsTheModelsJinjaTemplateRendered() {
        String rendered = model.applyChatTemplate(List.of(ChatMessage.user(" hi ")));
        assertEquals("<s><USER>hi<ASSISTANT>", rendered);
        assertEquals("<s><USER>hi", model.applyChatTemplate(null, List.of(ChatMessage.user("hi")), false));
        // The rigged model continues '>' with "?@ABC"; the template's own <s> is the prompt's only BOS.
        GenerationResult result = model.generate(GenerationRequest.builder(Prompt.chat(List.of(ChatMessage.user("hi"))))
                .maxTokens(5).build(), TokenCallback.ignore());
        assertEquals("?@ABC", result.text());
        assertEquals(1 + "<USER>hi<ASSISTANT>".length(), result.promptTokens());
    }

    @Test
    void toolsToolCallsAndVariablesReachTheTemplate() {
        String template = "{% for t in tools %}{{ t | tojson }}{% endfor %}|{% for m in messages %}"
                + "{{ m.tool_calls | default([]) | map(attribute='function') | list | tojson }}"
                + "{{ m.tool_call_id | default('') }};{% endfor %}|{{ enable_thinking }}";
        Prompt.Chat chat = Prompt.chatBuilder(List.of(ChatMessage.user("weather?"),
                        ChatMessage.assistant("", List.of(new ToolCall("call12345", "get_weather", "{\"city\": \"Paris\"}"))),
                        ChatMessage.tool("call12345", "18 C")))
                .template(template)
                .tools(List.of(new ToolDefinition("get_weather", "Weather now.",
                        "{\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}}")))
                .variable("enable_thinking", false)
                .build();
        assertEquals("{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": "
                + "\"Weather now.\", \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": "
                + "\"string\"}}}}}|[];[{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}];"
                + "[]call12345;|False", model.applyChatTemplate(chat, true));
    }

    @Test
    void aTemplateThatRefusesTheConversationFailsNamingItsLine() {
        List<ChatMessage> messages = List.of(ChatMessage.system("be brief"), ChatMessage.user("hi"));
        var error = assertThrows(ChatTemplateException.class, () -> model.applyChatTemplate(messages));
        assertEquals(3, error.line());
        assertTrue(error.getMessage().contains("no system messages, please"), error.getMessage());
        assertTrue(error.getMessage().contains("line 3"), error.getMessage());
        var submitted = assertThrows(ChatTemplateException.class, () -> model.generate(
                GenerationRequest.builder(Prompt.chat(messages)).build(), TokenCallback.ignore()));
        assertEquals(3, submitted.line());
    }

    @Test
    void aTemplateWithASyntaxErrorFailsNamingItsLine() {
        Prompt.Chat chat = Prompt.chatBuilder(List.of(ChatMessage.user("hi")))
                .template("{% for m in messages %}\n{{ m.content }}\n{% if %}\n{% endfor %}").build();
        var error = assertThrows(ChatTemplateException.class, () -> model.applyChatTemplate(chat, true));
        assertEquals(3, error.line());
    }

    @Test
    void aModelWithoutATemplateGetsLlamaCppsDefaultWhichTakesNoTools() {
        assertEquals("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
                withoutTemplate.applyChatTemplate(List.of(ChatMessage.user("hi"))));
        Prompt.Chat withTools = Prompt.chatBuilder(List.of(ChatMessage.user("hi")))
                .tools(List.of(new ToolDefinition("f", "", "{}"))).build();
        var error = assertThrows(RillException.class, () -> withoutTemplate.applyChatTemplate(withTools, true));
        assertTrue(error.getMessage().contains("takes no tools"), error.getMessage());
    }

    @Test
    void aBuiltInTemplateNameStillChoosesLlamaCppsTemplate() {
        assertTrue(model.applyChatTemplate("llama2", List.of(ChatMessage.user("hi")), false).contains("[INST]"));
        var error = assertThrows(RillException.class,
                () -> model.applyChatTemplate("no-such-template", List.of(ChatMessage.user("hi")), true));
        assertTrue(error.getMessage().contains("does not support this chat template"), error.getMessage());
    }

    @Test
    void theBuilderChecksItsArgumentsAtOnce() {
        var builder = Prompt.chatBuilder(List.of(ChatMessage.user("hi")));
        assertThrows(IllegalArgumentException.class, () -> builder.variable("messages", 1));
        assertThrows(IllegalArgumentException.class, () -> builder.variable("not a name", 1));
        assertThrows(IllegalArgumentException.class, () -> builder.variable("x", new Object()));
        builder.variable("x", List.of(1, "a"));
        assertThrows(IllegalStateException.class, () -> builder.variable("x", 2));
        assertThrows(IllegalArgumentException.class, () -> new ToolCall("id", "f", "[1]"));
        assertThrows(IllegalArgumentException.class, () -> new ToolDefinition("f", "", "not json"));
    }
}
