package dev.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rill.gguf.GgmlType;
import dev.rill.testkit.ModelFiles;
import dev.rill.testkit.RiggedModel;
import dev.rill.testkit.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The test kit's weight formats, read by llama.cpp's own dequantization and matrix kernels: the plus-one model
 * stored in each format generates exactly its known text, token by token, and every chosen token's logit is the
 * rigged one up to the F16 rounding of a block's scale (a relative 2^-11; 2e-3 allowed).
 */
class QuantizedWeightsTest {

    @ParameterizedTest
    @EnumSource(GgmlType.class)
    void theRiggedModelGeneratesItsKnownTextInEveryWeightFormat(GgmlType type) {
        RiggedModel rigged = TestModels.plusOne().withWeightType(type);
        Path file = ModelFiles.file("plus-one-" + type.name().toLowerCase() + ".gguf", rigged::write);
        try (Model model = Model.load(file, RiggedFiles.smallOptions().build())) {
            List<Integer> tokens = new ArrayList<>();
            List<Float> logits = new ArrayList<>();
            GenerationResult result = model.generate(GenerationRequest.builder("abc").maxTokens(20).build(),
                    (token, generation) -> {
                        tokens.add(token.tokenId());
                        logits.add(token.logit());
                    });
            assertEquals(rigged.expectedText("abc", 20), result.text());
            assertEquals(rigged.expectedTokens("abc", 20), tokens);
            for (float logit : logits) {
                assertEquals(rigged.topLogit(), logit, 2e-3 * rigged.topLogit(), type + " logits");
            }
        }
    }
}
