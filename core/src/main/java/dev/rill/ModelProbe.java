package dev.rill;

import dev.rill.llama.LlamaProfile;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A model file that passed a probe in a child process ({@link Model#probe}): llama.cpp loaded it there, created a
 * context on it and decoded the tokens of a short text without ending the process.
 *
 * @param path the file
 * @param profile the llama.cpp release the child ran (the one this JVM runs)
 * @param vocabularySize tokens in the model's vocabulary
 * @param decodedTokens tokens decoded in the child (the short text's, at most 8)
 * @param finiteLogits whether the logits of the last decoded token were all finite; false points at weights or
 *     hyperparameters (NaN or infinite values) that will not generate useful text, though they did not crash
 * @param elapsed wall time of the probe, from starting the child to its end
 */
public record ModelProbe(Path path, LlamaProfile profile, int vocabularySize, int decodedTokens, boolean finiteLogits,
                         Duration elapsed) {
}
