package dev.rill.server.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rill.StreamToken;
import dev.rill.TokenAlternative;
import java.nio.charset.StandardCharsets;

/**
 * Log probabilities as the OpenAI API reports them: under the model's own distribution (the softmax of the raw
 * logits, before any sampler), for the chosen token and its most likely alternatives.
 *
 * <p>A token carries its raw logit and its alternatives' logits and probabilities; any alternative gives the
 * log-partition {@code logit - ln p}, so the chosen token's log probability is exact even when the sampler picked
 * a token outside the alternatives.
 */
final class Logprobs {
    private Logprobs() {
    }

    /** The chosen token's log probability under the model. */
    static double chosen(StreamToken token) {
        for (TokenAlternative alternative : token.alternatives()) {
            if (alternative.probability() > 0) {
                double logPartition = alternative.logit() - Math.log(alternative.probability());
                return token.logit() - logPartition;
            }
        }
        return Math.log(token.probability());
    }

    /** The chosen token's own text piece (its alternative's text when it is among them). */
    static String text(StreamToken token) {
        for (TokenAlternative alternative : token.alternatives()) {
            if (alternative.tokenId() == token.tokenId()) {
                return alternative.text();
            }
        }
        return token.text();
    }

    /** One entry of a chat completion's {@code logprobs.content}, with each token's {@code id} as llama.cpp's server sends it. */
    static ObjectNode chatEntry(StreamToken token, int top) {
        ObjectNode entry = Json.MAPPER.createObjectNode();
        String text = text(token);
        entry.put("id", token.tokenId());
        entry.put("token", text);
        entry.put("logprob", chosen(token));
        bytes(entry, text);
        ArrayNode alternatives = entry.putArray("top_logprobs");
        int n = Math.min(top, token.alternatives().size());
        for (int i = 0; i < n; i++) {
            TokenAlternative alternative = token.alternatives().get(i);
            ObjectNode item = alternatives.addObject();
            item.put("id", alternative.tokenId());
            item.put("token", alternative.text());
            item.put("logprob", Math.log(alternative.probability()));
            bytes(item, alternative.text());
        }
        return entry;
    }

    private static void bytes(ObjectNode node, String text) {
        ArrayNode bytes = node.putArray("bytes");
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            bytes.add(b & 0xFF);
        }
    }
}
