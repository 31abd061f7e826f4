package dev.rill.benches;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.rill.ModelOptions;
import dev.rill.internal.llama.CacheType;
import dev.rill.internal.llama.LlamaBatch;
import dev.rill.internal.llama.LlamaContextHandle;
import dev.rill.internal.llama.LlamaModelHandle;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * Greedy generation straight over the llama.cpp binding, with nothing of the engine: tokenize the prompt,
 * decode it, then per token read the native logits row, take its argmax and decode that token. No engine
 * thread, no queue, no Java token objects, no sampler objects, no logits copy, no text. It never stops at an
 * end-of-generation token.
 *
 * <p>It makes exactly the llama.cpp calls the engine makes for one sequence: one decode of the whole prompt
 * (logits for its last token only), then one single-token decode per generated token but the last, and a
 * {@code clearSequence} at the end so that the next run starts from an empty KV cache.
 *
 * <p>The batch's memory is confined to one thread, so it is created by the first {@link #run} on a thread
 * (again if a later run comes from another thread). Not thread-safe.
 */
final class RawLoop implements AutoCloseable {
    private static final int SEQUENCE = 0;

    private final LlamaModelHandle model;
    private final LlamaContextHandle context;
    private final int vocab;
    private LlamaBatch batch;
    private Thread batchOwner;

    /** Loads {@code file} and creates a context the way {@code Model.load(file, options)} does. */
    RawLoop(Path file, ModelOptions options) {
        this.model = LlamaModelHandle.load(file, new LlamaModelHandle.Config(options.libraryPath(),
                options.llamaProfile().orElse(null), options.gpuLayers(), options.mmap(), options.mlock()));
        try {
            this.context = LlamaContextHandle.create(model, contextConfig(options));
        } catch (RuntimeException | Error e) {
            model.close();
            throw e;
        }
        this.vocab = model.vocabSize();
    }

    /** The context {@code Model.load} creates for {@code options} (which must set a context size). */
    static LlamaContextHandle.Config contextConfig(ModelOptions options) {
        if (options.contextSize() <= 0) {
            throw new IllegalArgumentException("set a context size so that both paths use the same one");
        }
        return new LlamaContextHandle.Config(options.contextSize(), options.batchSize(), options.threads(),
                options.batchThreads(), options.parallelSequences(), options.flashAttention(),
                CacheType.valueOf(options.kvCacheType().name()));
    }

    /**
     * Generates exactly {@code count} tokens after {@code prompt} and returns the last one.
     *
     * @param record where to write the generated token ids (at least {@code count} long), or null
     */
    int run(String prompt, int count, int[] record) {
        LlamaBatch b = batch();
        int[] tokens = model.tokenize(prompt, true, false);
        b.clear();
        int last = tokens.length - 1;
        for (int i = 0; i < tokens.length; i++) {
            b.add(tokens[i], i, SEQUENCE, i == last);
        }
        context.decode(b);
        int index = last;
        int position = tokens.length;
        int token = -1;
        for (int n = 0; n < count; n++) {
            token = argmax(context.logits(index), vocab);
            if (record != null) {
                record[n] = token;
            }
            if (n + 1 == count) {
                break;
            }
            b.clear();
            index = b.add(token, position++, SEQUENCE, true);
            context.decode(b);
        }
        context.clearSequence(SEQUENCE);
        return token;
    }

    /**
     * Greedy generation of exactly {@code count} tokens after each prompt, all sequences in one decode per step:
     * the prompts together in the first decode (logits for each one's last token), then one token per sequence
     * per decode. This is what llama.cpp gives concurrent streams with nothing of the engine around it, the
     * ceiling for the engine's batching. Returns the number of tokens generated.
     */
    long runBatched(String[] prompts, int count) {
        LlamaBatch b = batch();
        int streams = prompts.length;
        if (streams > context.sequences()) {
            throw new IllegalArgumentException(streams + " prompts but " + context.sequences() + " sequences");
        }
        int[] index = new int[streams];
        int[] position = new int[streams];
        b.clear();
        for (int s = 0; s < streams; s++) {
            int[] tokens = model.tokenize(prompts[s], true, false);
            if (tokens.length > b.remaining()) {
                throw new IllegalArgumentException("the prompts do not fit in one batch of " + context.batchSize());
            }
            for (int i = 0; i < tokens.length; i++) {
                int added = b.add(tokens[i], i, s, i == tokens.length - 1);
                if (i == tokens.length - 1) {
                    index[s] = added;
                }
            }
            position[s] = tokens.length;
        }
        context.decode(b);
        int[] next = new int[streams];
        for (int n = 0; n < count; n++) {
            for (int s = 0; s < streams; s++) {
                next[s] = argmax(context.logits(index[s]), vocab);
            }
            if (n + 1 == count) {
                break;
            }
            b.clear();
            for (int s = 0; s < streams; s++) {
                index[s] = b.add(next[s], position[s]++, s, true);
            }
            context.decode(b);
        }
        for (int s = 0; s < streams; s++) {
            context.clearSequence(s);
        }
        return (long) streams * count;
    }

    /** The number of tokens {@link #run} evaluates for {@code prompt} (the BOS included). */
    int promptTokens(String prompt) {
        return model.tokenize(prompt, true, false).length;
    }

    /** Whether {@code token} ends generation for this model. */
    boolean isEndOfGeneration(int token) {
        return model.isEndOfGeneration(token);
    }

    /** The first index of the largest value, NaN never winning: the greedy sampler's rule. */
    static int argmax(MemorySegment row, int size) {
        int best = -1;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < size; i++) {
            float v = row.getAtIndex(JAVA_FLOAT, i);
            if (v > max) {
                max = v;
                best = i;
            }
        }
        if (best < 0) {
            throw new IllegalStateException("the logits row holds no value above negative infinity");
        }
        return best;
    }

    private LlamaBatch batch() {
        Thread current = Thread.currentThread();
        if (batch == null || batchOwner != current) {
            // A batch made on another thread cannot be used (or freed) here; JMH keeps a trial on one thread,
            // so this happens once per trial.
            batch = new LlamaBatch(context.batchSize(), vocab);
            batchOwner = current;
        }
        return batch;
    }

    /** Frees the context and the model; the batch too when called on the thread that used it. */
    @Override
    public void close() {
        if (batch != null && batchOwner == Thread.currentThread()) {
            batch.close();
        }
        batch = null;
        context.close();
        model.close();
    }
}
