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
     * A parsed event.
     *
     * @param pieces the tokens (one per log-probability entry; one without details when the server sent only text)
     * @param finishReason {@code finish_reason}, or null
     * @param stopString vLLM's {@code stop_reason} when it is a string, or null
     * @param promptTokens usage's prompt tokens, or -1
     * @param completionTokens usage's completion tokens, or -1
     * @param error the server's error message, or null
     */
    public record Chunk(List<Piece> pieces, String finishReason, String stopString, int promptTokens,
                        int completionTokens, String error) {
    }

    /** Parses {@code data}, the data of one event (not {@code [DONE]}). */
    public static Chunk parse(String data) {
        JsonNode root = Json.parseOrNull(data);
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("not a JSON object: " + abbreviate(data));
        }
        if (root.hasNonNull("error")) {
            return new Chunk(List.of(), null, null, -1, -1, HttpErrors.message(data));
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
            return new Chunk(List.of(), null, null, promptTokens, completionTokens, null);
        }
        JsonNode choice = choices.get(0);
        String text;
        JsonNode delta = choice.get("delta");
        if (delta != null && delta.isObject()) {
            text = delta.path("content").isTextual() ? delta.get("content").asText() : "";
        } else {
            text = choice.path("text").isTextual() ? choice.get("text").asText() : "";
        }
        String finish = choice.path("finish_reason").isTextual() ? choice.get("finish_reason").asText() : null;
        String stopString = choice.path("stop_reason").isTextual() ? choice.get("stop_reason").asText() : null;
        List<Piece> pieces = pieces(choice.get("logprobs"), text);
        return new Chunk(pieces, finish, stopString, promptTokens, completionTokens, null);
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
