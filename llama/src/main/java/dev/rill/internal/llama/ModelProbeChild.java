package dev.rill.internal.llama;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;

/**
 * The child process of {@link ModelProbeLauncher}: loads one model file, creates a small context on it, decodes
 * the tokens of a short text and reports each stage and the outcome on standard output, in lines that start with
 * {@value #PREFIX}. A native crash ends this process after a stage line and before an outcome line, which is how
 * the parent knows where it happened.
 *
 * <p>Arguments: the model file, then {@code gpuLayers mmap mlock threads flashAttention cacheType valueChecks},
 * then optionally a library path.
 */
public final class ModelProbeChild {
    /** The start of every line of the protocol. */
    static final String PREFIX = "rill-probe ";
    /** Exit status of a child that could not read its arguments. */
    static final int USAGE = 64;
    /** Cells of the probe's context: enough for the short text it decodes. */
    static final int CONTEXT_CELLS = 256;
    private static final String TEXT = "Hello, world";
    private static final int MAX_TOKENS = 8;

    private ModelProbeChild() {
    }

    public static void main(String[] args) {
        if (args.length < 8) {
            System.err.println("usage: ModelProbeChild MODEL GPU_LAYERS MMAP MLOCK THREADS FLASH CACHE_TYPE VALUE_CHECKS [LIBRARY]");
            System.exit(USAGE);
        }
        Path path = Path.of(args[0]);
        var modelConfig = new LlamaModelHandle.Config(args.length > 8 ? Path.of(args[8]) : null, null,
                Integer.parseInt(args[1]), Boolean.parseBoolean(args[2]), Boolean.parseBoolean(args[3]));
        int threads = Integer.parseInt(args[4]);
        boolean flash = Boolean.parseBoolean(args[5]);
        CacheType cacheType = CacheType.valueOf(args[6]);
        boolean valueChecks = Boolean.parseBoolean(args[7]);
        String outcome;
        try {
            outcome = probe(path, modelConfig, threads, flash, cacheType, valueChecks);
        } catch (LlamaFileException e) {
            outcome = "refused " + encode(e.getMessage());
        } catch (RuntimeException e) {
            outcome = "failed " + encode(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        say(outcome);
        System.exit(0);
    }

    private static String probe(Path path, LlamaModelHandle.Config modelConfig, int threads, boolean flash,
                                CacheType cacheType, boolean valueChecks) {
        say("stage loading the model");
        try (LlamaModelHandle model = LlamaModelHandle.load(path, modelConfig, valueChecks)) {
            say("stage creating a context");
            boolean encoderOnly = model.isEncoderOnly();
            var contextConfig = new LlamaContextHandle.Config(CONTEXT_CELLS, MAX_TOKENS, threads, threads, 1, flash,
                    cacheType, encoderOnly ? PoolingType.NONE : null);
            try (LlamaContextHandle context = LlamaContextHandle.create(model, contextConfig);
                 LlamaBatch batch = new LlamaBatch(MAX_TOKENS, model.vocabSize())) {
                say("stage tokenizing");
                int[] tokens = model.tokenize(TEXT, true, false);
                if (tokens.length == 0) {
                    tokens = new int[] {0};
                }
                int n = Math.min(tokens.length, MAX_TOKENS);
                for (int i = 0; i < n; i++) {
                    batch.add(tokens[i], i, 0, i == n - 1);
                }
                say("stage decoding");
                context.decode(batch);
                boolean finite = true;
                if (!encoderOnly) {
                    MemorySegment logits = context.logits(n - 1);
                    for (long i = 0; i < model.vocabSize(); i++) {
                        if (!Float.isFinite(logits.getAtIndex(ValueLayout.JAVA_FLOAT, i))) {
                            finite = false;
                            break;
                        }
                    }
                }
                return "passed " + model.vocabSize() + " " + n + " " + finite + " " + LlamaRuntime.binding().profile().label();
            }
        }
    }

    private static void say(String line) {
        System.out.println(PREFIX + line);
        System.out.flush();
    }

    private static String encode(String message) {
        return Base64.getEncoder().encodeToString(String.valueOf(message).getBytes(StandardCharsets.UTF_8));
    }
}
