package dev.rill.internal.llama;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.internal.gguf.GgufHeader;
import dev.rill.gguf.GgufFile;
import dev.rill.gguf.GgufValue;
import dev.rill.llama.LlamaProfile;
import dev.rill.testkit.Architecture;
import dev.rill.testkit.GgufEdits;
import dev.rill.testkit.TestModels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each case is a crash of the mutation runs ({@link HostileModelsTest}, {@link HostileTensorsTest}) or of a search
 * by hand: a well-formed model whose metadata or tensor table made llama.cpp end the process (exit 134). Each is now refused in Java, before llama.cpp sees the file; were it
 * not, this test's JVM would end.
 */
class ModelCheckTest {
    @TempDir
    static Path dir;
    private static GgufFile rigged;

    @BeforeAll
    static void write() throws IOException {
        Path base = dir.resolve("base.gguf");
        TestModels.plusOne().write(base);
        rigged = GgufFile.read(base);
    }

    private static void assertRefused(String name, Map<String, GgufValue> changes, String reason) throws IOException {
        Path file = dir.resolve(name + ".gguf");
        GgufEdits.withMetadata(rigged, file, changes);
        LlamaFileException e = assertThrows(LlamaFileException.class, () -> LlamaModelHandle.load(file,
                new LlamaModelHandle.Config(null, null, 0, true, false)).close());
        assertTrue(e.getMessage().contains("cannot be loaded safely: " + reason), e.getMessage());
    }

    @Test
    void aLayerCountOutsideOneTo512IsRefused() throws IOException {
        // Current release: GGML_ASSERT(n_layer > 0 && n_layer <= LLAMA_MAX_LAYERS); b4916 aborts on 0.
        for (long layers : new long[] {0, 513, 1000, 0x8000_0000L, 0xFFFF_FFFFL}) {
            assertRefused("layers-" + layers, Map.of("llama.block_count", GgufValue.uint32(layers)),
                    "llama.block_count is " + layers + "; llama.cpp takes 1 to 512 layers");
        }
    }

    @Test
    void aNegativeOrNanNormEpsilonIsRefused() throws IOException {
        // ggml's rms_norm: GGML_ASSERT(eps >= 0.0f), at the first decode on both releases.
        for (float eps : new float[] {-1f, Float.NaN, Float.NEGATIVE_INFINITY}) {
            assertRefused("eps-" + eps, Map.of("llama.attention.layer_norm_rms_epsilon", GgufValue.float32(eps)),
                    "llama.attention.layer_norm_rms_epsilon is " + (double) eps);
        }
    }

    @Test
    void aVocabularyThatIsNotAStringArrayOrHasShortScoresIsRefused() throws IOException {
        // b4916 aborts on a token list stored as a scalar; the current release refuses it, and short scores.
        assertRefused("tokens-float", Map.of("tokenizer.ggml.tokens", GgufValue.float32(7f)),
                "tokenizer.ggml.tokens is not an array of strings");
        assertRefused("tokens-ints", Map.of("tokenizer.ggml.tokens", GgufValue.int32s(1, 2, 3)),
                "tokenizer.ggml.tokens is not an array of strings");
        Map<String, GgufValue> shortScores = new HashMap<>();
        shortScores.put("tokenizer.ggml.scores", GgufValue.float32s(0f, 0f));
        assertRefused("short-scores", shortScores, "tokenizer.ggml.scores has 2 entries for 259 tokens");
        assertRefused("types-as-strings", Map.of("tokenizer.ggml.token_type", GgufValue.strings(List.of("a"))),
                "tokenizer.ggml.token_type is not an array of INT32");
    }

    @Test
    void aFileTypeStoredAsAnotherTypeThanUint32IsRefused() throws IOException {
        // b4916: GGML_ASSERT(type_to_gguf_type<T>::value == type) in gguf_get_val_u32.
        assertRefused("file-type-u8", Map.of("general.file_type", GgufValue.uint8(7)),
                "general.file_type has GGUF value type 0, not UINT32 (4)");
    }

    @Test
    void moreExpertsUsedThanThereAreIsRefused() throws IOException {
        // Found by probing expert counts: GGML_ASSERT(n_expert_used_max <= hparams.n_expert) (current,
        // src/llama-model.cpp:1260), GGML_ASSERT(hparams.n_expert_used <= hparams.n_expert) (b4916), at load.
        assertRefused("experts-8-of-4", Map.of("llama.expert_count", GgufValue.uint32(4),
                "llama.expert_used_count", GgufValue.uint32(8)), "llama.expert_used_count is 8 for 4 experts");
        assertRefused("experts-used-no-experts", Map.of("llama.expert_used_count", GgufValue.uint32(2)),
                "llama.expert_used_count is 2 for 0 experts");
        assertRefused("experts-none-used", Map.of("llama.expert_count", GgufValue.uint32(4),
                "llama.expert_used_count", GgufValue.uint32(0)), "llama.expert_used_count is 0 for 4 experts");
        // Found by the added-keys run: experts without expert_used_count, GGML_ASSERT(n_expert_used_max > 0).
        assertRefused("experts-used-absent", Map.of("llama.expert_count", GgufValue.uint32(14)),
                "llama.expert_used_count is 0 for 14 experts");
    }

    @Test
    void anExpertUsedCountPerLayerIsLeftToLlamaCpp() throws IOException {
        // Newer models may give the experts used per layer as an array; the check judges scalars only.
        Path file = dir.resolve("experts-per-layer.gguf");
        GgufEdits.withMetadata(rigged, file, Map.of("llama.expert_count", GgufValue.uint32(4),
                "llama.expert_used_count", GgufValue.int32s(2)));
        ModelCheck.check(GgufHeader.read(file));
    }

    @Test
    void moreExpertsThanTheReleaseTakesAreRefused() throws IOException {
        // The added-keys run: GGML_ASSERT(hparams.n_expert <= LLAMA_MAX_EXPERTS), 1024 current, 256 b4916.
        LlamaRuntime.initialize(null, null);
        boolean b4916 = LlamaRuntime.binding().profile() == LlamaProfile.B4916;
        long experts = b4916 ? 260 : 1025;
        assertRefused("experts-" + experts, Map.of("llama.expert_count", GgufValue.uint32(experts),
                "llama.expert_used_count", GgufValue.uint32(2)), "llama.expert_count is " + experts + "; llama.cpp "
                + (b4916 ? "b4916 takes at most 256" : "current takes at most 1024"));
    }

    @Test
    void aRopeScalingTypeLlamaCppDoesNotKnowIsRefused() throws IOException {
        // The added-keys run: GGML_ASSERT(hparams.rope_scaling_type_train != LLAMA_ROPE_SCALING_TYPE_UNSPECIFIED).
        for (String name : new String[] {"rwkv", "", "YARN"}) {
            assertRefused("rope-scaling-" + name, Map.of("llama.rope.scaling.type", GgufValue.string(name)),
                    "llama.rope.scaling.type is '" + name + "'; llama.cpp knows none, linear, yarn, longrope");
        }
    }

    @Test
    void aWordPieceVocabularyWithByteTokensIsRefused() throws IOException {
        // The rigged vocabulary has 256 byte tokens (<0x00>..<0xFF>, type BYTE); read as WordPiece, llama.cpp's
        // token_to_byte aborts while loading it: GGML_ABORT("fatal error"), src/llama-vocab.cpp:3163 (current).
        assertRefused("wpm-bytes", Map.of("tokenizer.ggml.model", GgufValue.string("bert")),
                "token 3 of the WordPiece (bert) vocabulary has type BYTE (6)");
    }

    @Test
    void aWeightOfAnIntegerTypeIsRefused() throws Exception {
        // Found by HostileTensorsTest: an F32 tensor's type changed in place to I32 (the same bytes). A matrix then
        // crashes the first decode with SIGSEGV at pc 0, token_embd.weight with GGML_ASSERT(*cur_backend_id != -1).
        for (String tensor : new String[] {"blk.0.ffn_up.weight", "token_embd.weight", "output_norm.weight"}) {
            Path file = dir.resolve("i32-" + tensor + ".gguf");
            java.nio.file.Files.copy(rigged.path(), file);
            TensorTable table = TensorTable.read(file);
            table.setType(table.entries().stream().filter(e -> e.name().equals(tensor)).findFirst().orElseThrow(), 26);
            table.write(file);
            LlamaFileException e = assertThrows(LlamaFileException.class, () -> LlamaModelHandle.load(file,
                    new LlamaModelHandle.Config(null, null, 0, true, false)).close());
            assertTrue(e.getMessage().contains("cannot be loaded safely: tensor " + tensor + " has type I32"), e.getMessage());
        }
    }

    @Test
    void theTestKitsModelsPass() throws IOException {
        ModelCheck.check(GgufHeader.read(rigged.path()));
    }

    @Test
    void b4916RefusesAGemma3OfFewerThanSixLayersWhichItWouldCrashOn() throws IOException {
        Path file = dir.resolve("gemma3-2-layers.gguf");
        TestModels.randomWeights(Architecture.GEMMA3, Architecture.GEMMA3.tinyShape(), 1).write(file);
        var config = new LlamaModelHandle.Config(null, null, 0, true, false);
        LlamaRuntime.initialize(null, null);
        if (LlamaRuntime.binding().profile() == LlamaProfile.B4916) {
            LlamaFileException e = assertThrows(LlamaFileException.class, () -> LlamaModelHandle.load(file, config).close());
            assertTrue(e.getMessage().contains("gemma3.block_count is 2; llama.cpp b4916 crashes"), e.getMessage());
        } else {
            LlamaModelHandle.load(file, config).close(); // the current release reads the layer pattern from the file
        }
    }
}
