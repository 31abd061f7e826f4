package dev.rill.internal.chat;

import dev.rill.ChatMessage;
import dev.rill.ChatTemplateException;
import dev.rill.Prompt;
import dev.rill.RillException;
import dev.rill.ToolCall;
import dev.rill.ToolDefinition;
import dev.rill.internal.jinja.JinjaException;
import dev.rill.internal.jinja.JinjaTemplate;
import dev.rill.internal.llama.LlamaCallException;
import dev.rill.internal.llama.LlamaModelHandle;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns a chat prompt into the model's prompt text and tokens.
 *
 * <p>Which template: a {@code template} given with the prompt is Jinja source when it contains
 * <code>{{</code> or <code>{%</code>, else the name of a variant stored in the GGUF
 * ({@code tokenizer.chat_template.<name>}), else the name of a llama.cpp built-in template. Without one, the GGUF's
 * {@code tokenizer.chat_template.tool_use} when the prompt has tools and the model has that variant (as Hugging Face
 * chooses), else {@code tokenizer.chat_template}; a model with no template at all gets llama.cpp's default, ChatML.
 * Jinja templates are rendered here ({@link JinjaTemplate}), compiled once per template text; llama.cpp's built-in
 * templates take neither tools nor tool calls.
 */
public final class ChatTemplates {
    private static final int CACHE_LIMIT = 64;
    private static final Map<String, JinjaTemplate> COMPILED = new ConcurrentHashMap<>();

    private ChatTemplates() {
    }

    /**
     * Renders and tokenizes a chat prompt ending with the assistant's turn, special-token texts parsed.
     *
     * @throws ChatTemplateException when the template fails, naming its line
     */
    public static int[] tokenize(LlamaModelHandle model, Prompt.Chat chat) {
        String rendered = render(model, chat, true, Clock.systemDefaultZone());
        int[] tokens = model.tokenize(rendered, true, true);
        // Templates that write the BOS themselves would get a second one from add_special.
        if (tokens.length >= 2 && tokens[0] == tokens[1] && model.isBos(tokens[0])) {
            return Arrays.copyOfRange(tokens, 1, tokens.length);
        }
        return tokens;
    }

    /**
     * Renders a chat prompt with the template chosen as the class describes.
     *
     * @param clock what the template's {@code strftime_now} reads
     * @throws ChatTemplateException when the template fails, naming its line
     */
    public static String render(LlamaModelHandle model, Prompt.Chat chat, boolean addGenerationPrompt, Clock clock) {
        String source = source(model, chat);
        if (!isJinja(source)) {
            return builtIn(model, source, chat, addGenerationPrompt);
        }
        LlamaModelHandle.Specials specials = model.specialTokens();
        String bos = specials.bos() >= 0 ? model.tokenText(specials.bos()) : "";
        String eos = specials.eos() >= 0 ? model.tokenText(specials.eos()) : "";
        return render(source, chat, addGenerationPrompt, bos, eos, clock);
    }

    /**
     * The template a chat prompt renders with, as the class describes: Jinja source, or the name of a llama.cpp
     * built-in template.
     */
    public static String source(LlamaModelHandle model, Prompt.Chat chat) {
        String template = chat.template();
        if (template == null) {
            Optional<String> stored = chat.tools().isEmpty() ? Optional.empty() : model.chatTemplate("tool_use");
            return stored.or(() -> model.chatTemplate(null)).orElse("chatml");
        }
        if (isJinja(template)) {
            return template;
        }
        return model.chatTemplate(template).orElse(template);
    }

    /**
     * Renders a chat prompt with Jinja source.
     *
     * @throws ChatTemplateException when the template fails, naming its line
     */
    public static String render(String source, Prompt.Chat chat, boolean addGenerationPrompt, String bosToken,
                                String eosToken, Clock clock) {
        Map<String, Object> variables = new HashMap<>(chat.variables());
        variables.put("messages", messages(chat.messages()));
        variables.put("tools", chat.tools().isEmpty() ? null : tools(chat.tools()));
        variables.put("add_generation_prompt", addGenerationPrompt);
        variables.put("bos_token", bosToken);
        variables.put("eos_token", eosToken);
        try {
            return compiled(source).render(variables, clock);
        } catch (JinjaException e) {
            String what = e.raised() ? "The chat template refused the conversation: "
                    : "The chat template failed: ";
            throw new ChatTemplateException(what + e.reason() + (e.line() > 0 ? " (template line " + e.line() + ")"
                    : ""), e.line(), e);
        }
    }

    private static JinjaTemplate compiled(String source) {
        JinjaTemplate template = COMPILED.get(source);
        if (template == null) {
            template = JinjaTemplate.compile(source);
            if (COMPILED.size() >= CACHE_LIMIT) {
                COMPILED.clear();
            }
            COMPILED.put(source, template);
        }
        return template;
    }

    static boolean isJinja(String template) {
        return template.contains("{{") || template.contains("{%");
    }

    private static String builtIn(LlamaModelHandle model, String name, Prompt.Chat chat, boolean addGenerationPrompt) {
        if (!chat.tools().isEmpty() || chat.messages().stream().anyMatch(m -> !m.toolCalls().isEmpty())) {
            throw new RillException("llama.cpp's built-in chat template '" + name + "' takes no tools or tool "
                    + "calls; the model " + model.path().getFileName() + " has no Jinja template "
                    + "(tokenizer.chat_template): pass one with Prompt.chatBuilder(...).template(...)");
        }
        try {
            return model.applyChatTemplate(name, chat.messages().stream()
                    .map(m -> new LlamaModelHandle.Message(m.role(), m.content())).toList(), addGenerationPrompt);
        } catch (LlamaCallException e) {
            throw new RillException(e.getMessage(), e);
        }
    }

    /** The messages as Hugging Face's templates take them; keys in the order Python callers write them. */
    private static List<Object> messages(List<ChatMessage> messages) {
        List<Object> out = new ArrayList<>(messages.size());
        for (ChatMessage message : messages) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("role", message.role());
            m.put("content", message.content());
            if (!message.toolCalls().isEmpty()) {
                List<Object> calls = new ArrayList<>();
                for (ToolCall call : message.toolCalls()) {
                    Map<String, Object> c = new LinkedHashMap<>();
                    if (call.id() != null) {
                        c.put("id", call.id());
                    }
                    c.put("type", "function");
                    Map<String, Object> function = new LinkedHashMap<>();
                    function.put("name", call.name());
                    function.put("arguments", JsonValues.object(call.arguments(), "the arguments of " + call.name()));
                    c.put("function", function);
                    calls.add(c);
                }
                m.put("tool_calls", calls);
            }
            if (message.toolCallId() != null) {
                m.put("tool_call_id", message.toolCallId());
            }
            out.add(m);
        }
        return out;
    }

    private static List<Object> tools(List<ToolDefinition> tools) {
        List<Object> out = new ArrayList<>(tools.size());
        for (ToolDefinition tool : tools) {
            Map<String, Object> function = new LinkedHashMap<>();
            function.put("name", tool.name());
            function.put("description", tool.description());
            function.put("parameters", JsonValues.object(tool.parameters(), "the parameters of " + tool.name()));
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("type", "function");
            t.put("function", function);
            out.add(t);
        }
        return out;
    }
}
