package dev.rill;

import java.util.Optional;

/**
 * How a generation ended.
 *
 * @param finishReason why it ended
 * @param text the generated text: the concatenation of every delivered token's text
 * @param promptTokens the prompt's length in tokens
 * @param generatedTokens tokens sampled (an end-of-sequence token counts)
 * @param seed the seed the sampler used, to reproduce the run
 * @param timings where the time went
 * @param failure the exception behind {@link FinishReason#ERROR}, otherwise empty
 */
public record GenerationResult(FinishReason finishReason, String text, int promptTokens, int generatedTokens,
                               long seed, Timings timings, Optional<Throwable> failure) {
}
