package dev.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rill.llama.LlamaProfile;
import dev.rill.sampling.Sampler;
import dev.rill.testkit.Architecture;
import dev.rill.testkit.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Random-weight models of the architectures current models use load and generate on the current llama.cpp;
 * b4916 refuses the ones it predates with an error that names the architecture and the profile that loads it.
 */
class ArchitecturesTest {
    @TempDir
    static Path dir;

    private static Path write(Architecture architecture) throws IOException {
        Path file = dir.resolve(architecture.ggufName() + ".gguf");
        if (!Files.exists(file)) {
            TestModels.randomWeights(architecture, architecture.tinyShape(), 42).write(file);
        }
        return file;
    }

    /** The profile this test run loads: the build's b4916 run sets the property, the default run does not. */
    private static LlamaProfile profile() {
        return LlamaProfile.fromLabel(System.getProperty("rill.llama.profile", "current"));
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void everyArchitectureGeneratesOnTheCurrentRelease(Architecture architecture) throws IOException {
        assumeTrue(profile() == LlamaProfile.CURRENT, "the current release's run");
        try (Model model = Model.load(write(architecture), ModelOptions.builder().contextSize(256).build())) {
            assertEquals(architecture.ggufName(), model.info().architecture());
            List<Integer> tokens = new ArrayList<>();
            GenerationResult result = model.generate(GenerationRequest.builder("Hello").maxTokens(8)
                    .sampler(Sampler.greedy()).build(), (token, generation) -> tokens.add(token.tokenId()));
            assertTrue(result.finishReason() == FinishReason.MAX_TOKENS
                    || result.finishReason() == FinishReason.END_OF_SEQUENCE, result.toString());
            assertEquals(result.generatedTokens(), tokens.size());
            assertTrue(tokens.size() >= 1);
            // Greedy decoding of the same file is deterministic.
            List<Integer> again = new ArrayList<>();
            model.generate(GenerationRequest.builder("Hello").maxTokens(8).sampler(Sampler.greedy()).build(),
                    (token, generation) -> again.add(token.tokenId()));
            assertEquals(tokens, again);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Architecture.class, names = {"QWEN3", "QWEN3MOE"})
    void b4916RefusesAnArchitectureItPredatesAndSaysWhichProfileLoadsIt(Architecture architecture) throws IOException {
        assumeTrue(profile() == LlamaProfile.B4916, "the b4916 run");
        Path file = write(architecture);
        ModelLoadException error = assertThrows(ModelLoadException.class, () -> Model.load(file, ModelOptions.defaults()));
        assertTrue(error.getMessage().startsWith("llama.cpp b4916 does not know the architecture '"
                + architecture.ggufName() + "'"), error.getMessage());
        assertTrue(error.getMessage().contains("current profile"), error.getMessage());
    }
}
