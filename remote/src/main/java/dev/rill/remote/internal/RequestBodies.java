package dev.rill.remote.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rill.ChatMessage;
import dev.rill.GenerationRequest;
import dev.rill.Prompt;
import dev.rill.ToolCall;
import dev.rill.ToolChoice;
import dev.rill.ToolDefinition;
import dev.rill.sampling.Sampler;
import dev.rill.sampling.SamplerChain;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link GenerationRequest} as the body of {@code /v1/completions} (text and token prompts) or
 * {@code /v1/chat/completions} (chat prompts), refusing with {@link IllegalArgumentException} what the OpenAI API
 * cannot carry: grammars and samplers of one's own, typical-p, a repeat penalty, a chat template or format of the
 * caller's, a reasoning budget, adapters loaded in this process.
 */
public final class RequestBodies {
    private RequestBodies() {
    }

    /** A LoRA adapter in llama.cpp's {@code lora} list: {@code id} is a name or a position. */
    public record Lora(Object id, double scale) {
    }

    /** Whether the request goes to chat completions. */
    public static boolean isChat(GenerationRequest request) {
        return request.prompt() instanceof Prompt.Chat;
    }

    /** The body for {@code request}, streamed, with usage in the last event. */
    public static ObjectNode body(GenerationRequest request, String model, List<Lora> lora) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        if (model != null) {
            body.put("model", model);
        }
        if (!request.adapters().isEmpty()) {
            throw new IllegalArgumentException("a remote model cannot use adapters loaded in this process "
                    + request.adapters() + "; name the server's adapter on RemoteModel.builder() (adapter or lora)");
        }
        if (request.chatFormat() != null) {
            throw new IllegalArgumentException("a remote model parses its output on the server; chatFormat "
                    + request.chatFormat() + " cannot be sent");
        }
        if (request.reasoningBudget() >= 0) {
            throw new IllegalArgumentException("the OpenAI API has no per-request reasoning budget; reasoningBudget "
                    + request.reasoningBudget() + " cannot be sent");
        }
        switch (request.prompt()) {
            case Prompt.Text text -> body.put("prompt", text.text());
            case Prompt.Tokens tokens -> {
                ArrayNode ids = body.putArray("prompt");
                for (int id : tokens.tokens()) {
                    ids.add(id);
                }
            }
            case Prompt.Chat chat -> chat(body, chat, request.toolChoice());
        }
        body.put("max_tokens", request.maxTokens());
        if (!request.stopStrings().isEmpty()) {
            ArrayNode stop = body.putArray("stop");
            request.stopStrings().forEach(stop::add);
        }
        request.seed().ifPresent(seed -> body.put("seed", seed));
        sampler(body, request.sampler());
        int alternatives = request.topAlternatives();
        if (alternatives > 0) {
            if (isChat(request)) {
                body.put("logprobs", true);
                body.put("top_logprobs", alternatives);
            } else {
                body.put("logprobs", alternatives);
            }
        }
        if (!lora.isEmpty()) {
            ArrayNode list = body.putArray("lora");
            for (Lora l : lora) {
                ObjectNode entry = list.addObject();
                if (l.id() instanceof Integer index) {
                    entry.put("id", index);
                } else {
                    entry.put("id", l.id().toString());
                }
                entry.put("scale", l.scale());
            }
        }
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        return body;
    }

    private static void chat(ObjectNode body, Prompt.Chat chat, ToolChoice toolChoice) {
        if (chat.template() != null) {
            throw new IllegalArgumentException("a remote model renders chats with the server's template; the "
                    + "template '" + chat.template() + "' cannot be sent");
        }
        ArrayNode messages = body.putArray("messages");
        for (ChatMessage message : chat.messages()) {
            ObjectNode m = messages.addObject();
            m.put("role", message.role());
            m.put("content", message.content());
            if (!message.toolCalls().isEmpty()) {
                ArrayNode calls = m.putArray("tool_calls");
                for (ToolCall call : message.toolCalls()) {
                    ObjectNode c = calls.addObject();
                    if (call.id() != null) {
                        c.put("id", call.id());
                    }
                    c.put("type", "function");
                    c.putObject("function").put("name", call.name()).put("arguments", call.arguments());
                }
            }
            if (message.toolCallId() != null) {
                m.put("tool_call_id", message.toolCallId());
            }
        }
        if (!chat.tools().isEmpty()) {
            ArrayNode tools = body.putArray("tools");
            for (ToolDefinition tool : chat.tools()) {
                ObjectNode function = tools.addObject().put("type", "function").putObject("function");
                function.put("name", tool.name()).put("description", tool.description());
                function.set("parameters", parse(tool.parameters()));
            }
            switch (toolChoice) {
                case ToolChoice.Auto a -> body.put("tool_choice", "auto");
                case ToolChoice.None n -> body.put("tool_choice", "none");
                case ToolChoice.Required r -> body.put("tool_choice", "required");
                case ToolChoice.Named named -> body.putObject("tool_choice").put("type", "function")
                        .putObject("function").put("name", named.name());
            }
        }
        if (!chat.variables().isEmpty()) {
            body.set("chat_template_kwargs", Json.MAPPER.valueToTree(chat.variables()));
        }
    }

    /**
     * The sampling fields: greedy is temperature 0; a {@link SamplerChain} gives temperature, top_p, top_k, min_p,
     * frequency and presence penalties and logit_bias. Anything else is refused.
     */
    static void sampler(ObjectNode body, Sampler sampler) {
        if (sampler == Sampler.greedy()) {
            body.put("temperature", 0.0);
            return;
        }
        if (!(sampler instanceof SamplerChain chain)) {
            throw new IllegalArgumentException("a remote model can send greedy decoding and a SamplerChain's "
                    + "settings, not " + sampler + " (a grammar or a sampler of one's own runs only in this process)");
        }
        SamplerChain.Settings s = chain.settings();
        if (s.typicalP() != 1f) {
            throw new IllegalArgumentException("the OpenAI API has no typical-p; typicalP " + s.typicalP()
                    + " cannot be sent");
        }
        if (s.penaltyLastN() > 0 && s.repeatPenalty() != 1f) {
            throw new IllegalArgumentException("the OpenAI API has no repeat penalty; repeat " + s.repeatPenalty()
                    + " cannot be sent (frequency and presence penalties can)");
        }
        body.put("temperature", (double) s.temperature());
        if (s.topP() < 1f) {
            body.put("top_p", (double) s.topP());
        }
        if (s.topK() > 0) {
            body.put("top_k", s.topK());
        }
        if (s.minP() > 0f) {
            body.put("min_p", (double) s.minP());
        }
        if (s.penaltyLastN() > 0) {
            if (s.frequencyPenalty() != 0f) {
                body.put("frequency_penalty", (double) s.frequencyPenalty());
            }
            if (s.presencePenalty() != 0f) {
                body.put("presence_penalty", (double) s.presencePenalty());
            }
        }
        if (!s.logitBiases().isEmpty()) {
            ObjectNode bias = body.putObject("logit_bias");
            for (Map.Entry<Integer, Float> e : s.logitBiases().entrySet()) {
                if (Float.isInfinite(e.getValue())) {
                    bias.put(e.getKey().toString(), -100.0);
                } else {
                    bias.put(e.getKey().toString(), (double) e.getValue());
                }
            }
        }
    }

    private static JsonNode parse(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + json, e);
        }
    }
}
