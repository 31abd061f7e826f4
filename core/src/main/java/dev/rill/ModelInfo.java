package dev.rill;

import dev.rill.llama.NativeRuntime;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Facts about a loaded model.
 *
 * @param path the file it came from
 * @param description llama.cpp's one-line description (architecture, size, type)
 * @param architecture the GGUF {@code general.architecture}, e.g. {@code llama}
 * @param name the GGUF {@code general.name}, or empty
 * @param vocabularySize tokens in the vocabulary
 * @param trainingContextLength the context length the model was trained with
 * @param embeddingLength width of the hidden state
 * @param layerCount transformer blocks
 * @param headCount attention heads
 * @param parameterCount parameters
 * @param sizeBytes bytes of weights
 * @param specialTokens special token ids
 * @param addsBos whether text prompts start with a BOS token
 * @param chatTemplate the chat template stored in the file, if any
 * @param contextSize the context this model's engine was created with (cells shared by all sequences)
 * @param sequenceContextSize the cells each sequence may use
 * @param runtime the llama.cpp library that runs it: release, backends, CPU variant
 */
public record ModelInfo(Path path, String description, String architecture, Optional<String> name, int vocabularySize,
                        int trainingContextLength, int embeddingLength, int layerCount, int headCount,
                        long parameterCount, long sizeBytes, SpecialTokens specialTokens, boolean addsBos,
                        Optional<String> chatTemplate, int contextSize, int sequenceContextSize,
                        NativeRuntime runtime) {
}
