package dev.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.gguf.GgufValue;
import dev.rill.llama.LlamaProfile;
import dev.rill.testkit.GgufEdits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link Model#probe} and {@link ModelOptions.Builder#probeInChildProcess}: a model is loaded in a child JVM first,
 * and whatever happens to that child (a pass, a refusal, a native crash, a hang) reaches this JVM as a result or
 * an exception, never as a crash of its own.
 */
class ModelProbeTest {
    private static final String EPSILON = "llama.attention.layer_norm_rms_epsilon";

    private static ModelOptions probing() {
        return RiggedFiles.smallOptions().probeInChildProcess(true).build();
    }

    @Test
    void aGoodModelPassesTheProbeAndThenLoadsAndGenerates() {
        ModelProbe probe = Model.probe(RiggedFiles.plusOne(), probing());
        assertEquals(RiggedFiles.plusOne(), probe.path());
        assertEquals(259, probe.vocabularySize());
        assertTrue(probe.decodedTokens() >= 1, probe.toString());
        assertTrue(probe.finiteLogits(), probe.toString());
        assertEquals(System.getProperty("rill.llama.profile", "current"), probe.profile().label());
        assertTrue(probe.elapsed().isPositive());
        try (Model model = Model.load(RiggedFiles.plusOne(), probing())) {
            assertEquals("bcd", model.generate(GenerationRequest.builder("a").maxTokens(3).build(), (t, g) -> { }).text());
        }
    }

    @Test
    void aModelThatAbortsLlamaCppIsReportedAsACrashWithItsSignalAndThisJvmGoesOn() throws Exception {
        // An rms epsilon of NaN fails GGML_ASSERT(eps >= 0.0f) at the first decode on both releases. Java's checks
        // refuse it (ModelCheck), so the probe is told to skip them to let the child meet a real native crash.
        Path nan = GgufEdits.withMetadata(RiggedFiles.plusOne(), RiggedFiles.newPath("nan-epsilon.gguf"),
                Map.of(EPSILON, GgufValue.float32(Float.NaN)));
        var error = assertThrows(ModelProbeException.class, () -> ModelProbes.probe(nan, probing(), false));
        assertEquals(ModelProbeException.Outcome.CRASHED, error.outcome());
        assertEquals("decoding", error.stage());
        assertEquals(134, error.exitStatus().orElseThrow(), error.getMessage());
        assertEquals("SIGABRT", error.signal().orElseThrow());
        assertTrue(error.childOutput().stream().anyMatch(line -> line.contains("GGML_ASSERT(eps >= 0.0f)")),
                String.join("\n", error.childOutput()));
        assertTrue(error.getMessage().contains("crashed the child process that probed it, while decoding: exit status 134 (SIGABRT)"),
                error.getMessage());
        assertTrue(error.getMessage().contains("GGML_ASSERT(eps >= 0.0f)"), error.getMessage());
        assertEquals(nan, error.path());
        // This JVM is unharmed: the good model still loads and generates.
        try (Model model = RiggedFiles.loadPlusOne()) {
            assertEquals("bc", model.generate(GenerationRequest.builder("a").maxTokens(2).build(), (t, g) -> { }).text());
        }
    }

    @Test
    void withJavaChecksTheSameFileIsRefusedBeforeAnyChildStarts() throws Exception {
        Path nan = GgufEdits.withMetadata(RiggedFiles.plusOne(), RiggedFiles.newPath("nan-epsilon-checked.gguf"),
                Map.of(EPSILON, GgufValue.float32(Float.NaN)));
        var error = assertThrows(ModelLoadException.class, () -> Model.load(nan, probing()));
        assertFalse(error instanceof ModelProbeException, error.getMessage());
        assertTrue(error.getMessage().contains(EPSILON + " is NaN"), error.getMessage());
    }

    @Test
    void aModelThatLlamaCppRefusesIsReportedAsARefusalWithItsReason() throws Exception {
        // An n_rot that does not fit the heads: llama.cpp's hyperparameter check refuses it, in the child.
        Path rope = GgufEdits.withMetadata(RiggedFiles.plusOne(), RiggedFiles.newPath("odd-rope.gguf"),
                Map.of("llama.rope.dimension_count", GgufValue.uint32(3)));
        var error = assertThrows(ModelProbeException.class, () -> Model.load(rope, probing()));
        assertEquals(ModelProbeException.Outcome.REFUSED, error.outcome());
        assertEquals("loading the model", error.stage());
        assertEquals(0, error.exitStatus().orElseThrow());
        assertTrue(error.signal().isEmpty());
        assertTrue(error.getMessage().contains("invalid n_rot: 3"), error.getMessage());
    }

    @Test
    void aMissingFileIsAClearErrorAndStartsNoChild() {
        Path missing = Path.of("/nonexistent/model.gguf");
        var error = assertThrows(ModelLoadException.class, () -> Model.probe(missing, probing()));
        assertFalse(error instanceof ModelProbeException);
        assertEquals("Model file /nonexistent/model.gguf does not exist", error.getMessage());
        assertEquals(missing, error.path());
    }

    @Test
    void aChildThatTakesLongerThanTheTimeoutIsKilledAndReportedAsATimeout() {
        // No JVM starts, loads and decodes in 50 ms: the child is still running when the timeout passes.
        ModelOptions impatient = RiggedFiles.smallOptions().probeTimeout(Duration.ofMillis(50)).build();
        long before = ProcessHandle.current().children().count();
        var error = assertThrows(ModelProbeException.class, () -> Model.probe(RiggedFiles.plusOne(), impatient));
        assertEquals(ModelProbeException.Outcome.TIMED_OUT, error.outcome());
        assertTrue(error.exitStatus().isEmpty());
        assertTrue(error.getMessage().contains("within PT0.05S"), error.getMessage());
        assertTrue(ProcessHandle.current().children().filter(ProcessHandle::isAlive).count() <= before,
                "the child was killed");
    }

    @Test
    void theProbeOptionsAreValidatedAndRoundTripThroughJson() {
        assertThrows(IllegalArgumentException.class, () -> ModelOptions.builder().probeTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> ModelOptions.builder().probeTimeout(Duration.ofDays(2)));
        assertThrows(IllegalStateException.class, () -> ModelOptions.builder().probeInChildProcess(true).probeInChildProcess(false));
        ModelOptions options = ModelOptions.fromJson("{\"probeInChildProcess\": true, \"probeTimeout\": \"PT30S\"}");
        assertTrue(options.probeInChildProcess());
        assertEquals(Duration.ofSeconds(30), options.probeTimeout());
        assertEquals(options.toJson(), ModelOptions.fromJson(options.toJson()).toJson());
        assertFalse(ModelOptions.defaults().probeInChildProcess());
        assertEquals(ModelOptions.DEFAULT_PROBE_TIMEOUT, ModelOptions.defaults().probeTimeout());
        var bad = assertThrows(IllegalArgumentException.class, () -> ModelOptions.fromJson("{\"probeTimeout\": \"soon\"}"));
        assertTrue(bad.getMessage().contains("probeTimeout"), bad.getMessage());
    }
}
