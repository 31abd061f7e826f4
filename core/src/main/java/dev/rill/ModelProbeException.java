package dev.rill;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A probe of a model file in a child process ({@link Model#probe}, or {@link Model#load} with
 * {@link ModelOptions.Builder#probeInChildProcess}) failed: the child refused the file, died, or gave no answer in
 * time. The message names the file, the stage the child reached, its exit status or signal and its last lines of
 * output (where llama.cpp prints a failed assertion); the same facts are in the accessors. This JVM is unharmed
 * and nothing of the model was loaded in it.
 */
public final class ModelProbeException extends ModelLoadException {
    private static final long serialVersionUID = 1L;

    /** How the child ended. */
    public enum Outcome {
        /** It refused the file with a reason (llama.cpp could not load it, or a check before it refused it). */
        REFUSED,
        /** It died without an answer: a native crash, by a signal where the platform has them. */
        CRASHED,
        /** It gave no answer within {@link ModelOptions#probeTimeout()} and was killed. */
        TIMED_OUT
    }

    private final Outcome outcome;
    private final String stage;
    private final transient OptionalInt exitStatus;
    private final transient Optional<String> signal;
    private final transient List<String> childOutput;
    private final transient Optional<Path> crashReport;

    ModelProbeException(Path path, String message, Outcome outcome, String stage, OptionalInt exitStatus,
                        Optional<String> signal, List<String> childOutput, Optional<Path> crashReport) {
        super(path, message);
        this.outcome = outcome;
        this.stage = stage;
        this.exitStatus = exitStatus;
        this.signal = signal;
        this.childOutput = List.copyOf(childOutput);
        this.crashReport = crashReport;
    }

    /** How the child ended. */
    public Outcome outcome() {
        return outcome;
    }

    /**
     * The last stage the child reached: "starting", "loading the model", "creating a context", "tokenizing" or
     * "decoding".
     */
    public String stage() {
        return stage;
    }

    /** The child's exit status; empty when it was killed for the timeout. */
    public OptionalInt exitStatus() {
        return exitStatus;
    }

    /**
     * The signal that ended the child ({@code SIGABRT} for a failed assertion in llama.cpp), or the one the JVM
     * reported before it aborted ({@code SIGSEGV}); empty for a refusal, a timeout or an exit without a signal.
     */
    public Optional<String> signal() {
        return signal;
    }

    /**
     * The child's output that tells what happened, at most 25 lines: the first lines that say why it ended (a
     * failed assertion in llama.cpp, the JVM's crash report), then its last 20 lines (llama.cpp's log).
     */
    public List<String> childOutput() {
        return childOutput;
    }

    /** The JVM's crash report file ({@code hs_err}), when the child's JVM wrote one. */
    public Optional<Path> crashReport() {
        return crashReport;
    }
}
