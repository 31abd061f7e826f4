package dev.rill;

/**
 * The model's special token ids; -1 where the model has none.
 *
 * @param bos beginning of sequence
 * @param eos end of sequence
 * @param eot end of turn
 * @param newline the newline token
 * @param padding the padding token
 */
public record SpecialTokens(int bos, int eos, int eot, int newline, int padding) {
}
