package dev.rill.remote.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rill.TokenAlternative;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Reads one streamed event of chat or text completions, as the servers write it. Where they differ:
 *
 * <ul>
 *   <li>Text: {@code choices[0].delta.content} (chat) or {@code choices[0].text} (completions).</li>
 *   <li>Reasoning: {@code delta.reasoning_content} (llama.cpp's server, DeepSeek, vLLM before 0.10) or
 *       {@code delta.reasoning} (vLLM since, OpenRouter).</li>
 *   <li>Tool calls: {@code delta.tool_calls[]}, each with an {@code index}; the first piece of a call carries its
 *       {@code id} and {@code function.name}, later pieces {@code function.arguments} fragments. llama.cpp's server
 *       sends one piece per event and may put the first fragment beside the name; vLLM may send the name alone and
 *       the rest of the arguments beside the finish reason; a server may also send a whole call at once or leave
 *       out the index.</li>
 *   <li>Log probabilities: chat's {@code logprobs.content[]} entries ({@code token}, {@code logprob},
 *       {@code top_logprobs}), which llama.cpp's server also sends for text completions and where it (and
 *       {@code rill serve}) add each token's {@code id}; or the legacy lists of vLLM's and OpenAI's text
 *       completions ({@code tokens}, {@code token_logprobs}, {@code top_logprobs} as objects from token text to
 *       log probability), which carry no ids.</li>
 *   <li>{@code finish_reason}, and vLLM's {@code stop_reason}: the stop string that matched (or a stop token id).</li>
 *   <li>{@code usage} in a last event with empty {@code choices} ({@code stream_options.include_usage}); llama.cpp's
 *       server may put it beside the finish reason, and its {@code timings} are ignored.</li>
 *   <li>An error event: {@code {"error": {...}}}.</li>
 * </ul>
 */
public final class Chunks {
    private Chunks() {
    }

    /** One token's worth of a chunk: its text (possibly empty), id (-1 when not sent) and log probabilities. */
    public record Piece(String text, int tokenId, double logprob, List<TokenAlternative> alternatives) {
    }

    /**
     * A piece of a tool call as the server streamed it: each field null (the index -1) where the server left it out.
     */
    public record CallPiece(int index, String id, String name, String arguments) {
    }

    /**
     * A parsed event.
     *
     * @param pieces the tokens (one per log-probability entry; one without details when the server sent only text)
     * @param reasoning reasoning text of a chat's delta, possibly empty
     * @param calls pieces of tool calls of a chat's delta, in order
     * @param finishReason {@code finish_reason}, or null
     * @param stopString vLLM's {@code stop_reason} when it is a string, or null
     * @param promptTokens usage's prompt tokens, or -1
     * @param completionTokens usage's completion tokens, or -1
     * @param error the server's error message, or null
     */
    public record Chunk(List<Piece> pieces, String reasoning, List<CallPiece> calls, String finishReason,
                        String stopString, int promptTokens, int completionTokens, String error) {
    }

    /** Parses {@code data}, the data of one event (not {@code [DONE]}). */
    public static Chunk parse(String data) {
        JsonNode root = Json.parseOrNull(data);
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("not a JSON object: " + abbreviate(data));
        }
        if (root.hasNonNull("error")) {
            return new Chunk(List.of(), "", List.of(), null, null, -1, -1, HttpErrors.message(data));
        }
        int promptTokens = -1;
        int completionTokens = -1;
        JsonNode usage = root.get("usage");
        if (usage != null && usage.isObject()) {
            promptTokens = usage.path("prompt_tokens").asInt(-1);
            completionTokens = usage.path("completion_tokens").asInt(-1);
        }
        JsonNode choices = root.path("choices");
        if (!choices.isArray() || choices.isEmpty()) {
            return new Chunk(List.of(), "", List.of(), null, null, promptTokens, completionTokens, null);
        }
        JsonNode choice = choices.get(0);
        String text;
        String reasoning = "";
        List<CallPiece> calls = List.of();
        JsonNode delta = choice.get("delta");
        if (delta != null && delta.isObject()) {
            text = textOf(delta, "content");
            reasoning = textOf(delta, "reasoning_content");
            if (reasoning.isEmpty()) {
                reasoning = textOf(delta, "reasoning");
            }
            calls = calls(delta.get("tool_calls"));
        } else {
            text = textOf(choice, "text");
        }
        String finish = choice.path("finish_reason").isTextual() ? choice.get("finish_reason").asText() : null;
        String stopString = choice.path("stop_reason").isTextual() ? choice.get("stop_reason").asText() : null;
        List<Piece> pieces = pieces(choice.get("logprobs"), text);
        return new Chunk(pieces, reasoning, calls, finish, stopString, promptTokens, completionTokens, null);
    }

    private static String textOf(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() ? value.asText() : "";
    }

    private static List<CallPiece> calls(JsonNode toolCalls) {
        if (toolCalls == null || !toolCalls.isArray() || toolCalls.isEmpty()) {
            return List.of();
        }
        List<CallPiece> calls = new ArrayList<>(toolCalls.size());
        for (JsonNode call : toolCalls) {
            if (!call.isObject()) {
                throw new IllegalArgumentException("a tool call piece is not an object: " + abbreviate(call.toString()));
            }
            JsonNode function = call.path("function");
            String id = textOf(call, "id");
            String name = textOf(function, "name");
            JsonNode arguments = function.get("arguments");
            String fragment = arguments == null || arguments.isNull() ? null
                    : arguments.isTextual() ? arguments.asText() : arguments.toString();
            calls.add(new CallPiece(call.path("index").isInt() ? call.get("index").asInt() : -1,
                    id.isEmpty() ? null : id, name.isEmpty() ? null : name, fragment));
        }
        return calls;
    }

    private static List<Piece> pieces(JsonNode logprobs, String text) {
        List<Piece> pieces = new ArrayList<>();
        if (logprobs != null && logprobs.isObject() && logprobs.path("content").isArray()) {
            for (JsonNode entry : logprobs.get("content")) {
                List<TokenAlternative> alternatives = new ArrayList<>();
                for (JsonNode top : entry.path("top_logprobs")) {
                    alternatives.add(new TokenAlternative(top.path("id").asInt(-1), top.path("token").asText(""),
                            (float) Math.exp(top.path("logprob").asDouble(Double.NaN)), Float.NaN));
                }
                pieces.add(new Piece("", entry.path("id").asInt(-1), entry.path("logprob").asDouble(Double.NaN),
                        alternatives));
            }
        } else if (logprobs != null && logprobs.isObject() && logprobs.path("token_logprobs").isArray()) {
            JsonNode values = logprobs.get("token_logprobs");
            JsonNode tops = logprobs.path("top_logprobs");
            for (int i = 0; i < values.size(); i++) {
                List<TokenAlternative> alternatives = new ArrayList<>();
                JsonNode top = tops.path(i);
                if (top.isObject()) {
                    for (Iterator<Map.Entry<String, JsonNode>> it = top.fields(); it.hasNext(); ) {
                        Map.Entry<String, JsonNode> e = it.next();
                        alternatives.add(new TokenAlternative(-1, e.getKey(), (float) Math.exp(e.getValue().asDouble()),
                                Float.NaN));
                    }
                    alternatives.sort((a, b) -> Float.compare(b.probability(), a.probability()));
                }
                pieces.add(new Piece("", -1, values.get(i).asDouble(Double.NaN), alternatives));
            }
        }
        if (pieces.isEmpty()) {
            if (!text.isEmpty()) {
                pieces.add(new Piece(text, -1, Double.NaN, List.of()));
            }
            return pieces;
        }
        // The chunk's text is what its tokens release together; the last of them carries it.
        Piece last = pieces.getLast();
        pieces.set(pieces.size() - 1, new Piece(text, last.tokenId(), last.logprob(), last.alternatives()));
        return pieces;
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
