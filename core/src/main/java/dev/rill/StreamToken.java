package dev.rill;

import java.util.List;
import java.util.Objects;

/**
 * One generated token, delivered as soon as it is sampled.
 *
 * <p>{@code text} is the text this token releases, not always its own piece: bytes of a multi-byte UTF-8
 * character split across tokens are held until the character is whole, and text that could begin a stop
 * string is held until it is known not to. The concatenation of every token's {@code text} is exactly the
 * generated text ({@link GenerationResult#text()}), with no replacement characters and no stop string.
 *
 * @param index position in the stream, from 0
 * @param tokenId the token's id in the model's vocabulary
 * @param text the text released with this token, possibly empty
 * @param probability the chosen token's probability under the sampler's final distribution (1 for greedy)
 * @param logit the model's raw logit for the token, before any sampler touched it
 * @param endOfSequence true when the token is an end-of-generation token; it is then the last one
 * @param alternatives the most likely tokens under the model's own distribution (softmax of the raw logits),
 *     most likely first, when the request asked for them ({@link GenerationRequest.Builder#topAlternatives});
 *     otherwise empty
 */
public record StreamToken(int index, int tokenId, String text, float probability, float logit,
                          boolean endOfSequence, List<TokenAlternative> alternatives) {
    /** Checks the fields and copies {@code alternatives}. */
    public StreamToken {
        Objects.requireNonNull(text, "text");
        alternatives = List.copyOf(alternatives);
    }
}
