package dev.rill;

/**
 * A token the model considered at one position.
 *
 * @param tokenId the token's id
 * @param text the token's own text piece (bytes of a partial UTF-8 character show as U+FFFD)
 * @param probability its probability under the softmax of the raw logits
 * @param logit its raw logit
 */
public record TokenAlternative(int tokenId, String text, float probability, float logit) {
}
