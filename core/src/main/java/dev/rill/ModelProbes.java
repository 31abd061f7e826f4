package dev.rill;

import dev.rill.internal.llama.CacheType;
import dev.rill.internal.llama.LlamaModelHandle;
import dev.rill.internal.llama.ModelProbeLauncher;
import java.nio.file.Path;
import java.util.Objects;

/** Runs a probe in a child process and turns what it found into {@link ModelProbe} or {@link ModelProbeException}. */
final class ModelProbes {
    private ModelProbes() {
    }

    /**
     * Probes {@code path} as {@code options} would load it.
     *
     * @param valueChecks false skips Java's refusals of the values llama.cpp ends the process on, so that the
     *     child meets them: for the probe's own tests
     */
    static ModelProbe probe(Path path, ModelOptions options, boolean valueChecks) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(options, "options");
        var config = new ModelProbeLauncher.Config(new LlamaModelHandle.Config(options.libraryPath(),
                options.llamaProfile().orElse(null), options.gpuLayers(), options.mmap(), options.mlock()),
                options.threads(), options.flashAttention(), CacheType.valueOf(options.kvCacheType().name()),
                options.probeTimeout(), valueChecks);
        ModelProbeLauncher.Result result = NativeErrors.loadingModel(path, () -> ModelProbeLauncher.probe(path, config));
        if (result.outcome() == ModelProbeLauncher.Outcome.PASSED) {
            return new ModelProbe(path, result.profile().orElseThrow(), result.vocabularySize(), result.decodedTokens(),
                    result.finiteLogits(), result.elapsed());
        }
        ModelProbeException.Outcome outcome = switch (result.outcome()) {
            case REFUSED -> ModelProbeException.Outcome.REFUSED;
            case CRASHED -> ModelProbeException.Outcome.CRASHED;
            case TIMED_OUT -> ModelProbeException.Outcome.TIMED_OUT;
            case PASSED -> throw new AssertionError();
        };
        throw new ModelProbeException(path, message(path, options, result), outcome, result.stage(), result.exitStatus(),
                result.signal(), result.output(), result.errorFile());
    }

    private static String message(Path path, ModelOptions options, ModelProbeLauncher.Result result) {
        StringBuilder m = new StringBuilder();
        switch (result.outcome()) {
            case REFUSED -> m.append("Model file ").append(path).append(" was refused in a child process while ")
                    .append(result.stage()).append(": ").append(result.message());
            case CRASHED -> {
                m.append("Model file ").append(path).append(" crashed the child process that probed it, while ")
                        .append(result.stage()).append(": exit status ").append(result.exitStatus().orElse(-1));
                result.signal().ifPresent(signal -> m.append(" (").append(signal).append(')'));
                m.append("; it would have ended this JVM");
            }
            case TIMED_OUT -> m.append("Model file ").append(path).append(" gave no answer in the child process that probed it within ")
                    .append(options.probeTimeout()).append(" (last stage: ").append(result.stage())
                    .append("); the child was killed. A large model on a slow disk may need a longer probeTimeout");
            case PASSED -> throw new AssertionError();
        }
        if (result.outcome() != ModelProbeLauncher.Outcome.REFUSED && !result.output().isEmpty()) {
            m.append("\nthe child's output (why it ended, then its last lines):");
            for (String line : result.output()) {
                m.append("\n  ").append(line);
            }
        }
        result.errorFile().ifPresent(file -> m.append("\nthe JVM's crash report: ").append(file));
        return m.toString();
    }
}
