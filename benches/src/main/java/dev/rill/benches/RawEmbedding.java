package dev.rill.benches;

import dev.rill.ModelOptions;
import dev.rill.internal.llama.CacheType;
import dev.rill.internal.llama.LlamaBatch;
import dev.rill.internal.llama.LlamaContextHandle;
import dev.rill.internal.llama.LlamaModelHandle;
import dev.rill.internal.llama.PoolingType;
import java.nio.file.Path;
import java.util.List;

/**
 * Pooled embeddings straight over the llama.cpp binding, with nothing of the {@code Embedder} around it: no worker
 * thread, no job queue, no option checks. It makes the llama.cpp calls an embedder makes: tokenize each text,
 * pack the texts in order into batches of at most {@code batchSize} tokens and 64 sequences (one sequence per
 * text), one evaluation per batch, copy each sequence's pooled vector, clear the context.
 *
 * <p>Runs on the calling thread; the batch's memory is confined to the first thread that embeds. Not thread-safe.
 */
final class RawEmbedding implements AutoCloseable {
    private final LlamaModelHandle model;
    private final LlamaContextHandle context;
    private final int batchSize;
    private final int dimensions;
    private LlamaBatch batch;

    /** Loads {@code file} and creates the context {@code Model.embedder} creates for a {@code batchSize} batch. */
    RawEmbedding(Path file, ModelOptions options, int batchSize, PoolingType pooling) {
        this.model = LlamaModelHandle.load(file, new LlamaModelHandle.Config(options.libraryPath(),
                options.llamaProfile().orElse(null), options.gpuLayers(), options.mmap(), options.mlock()));
        try {
            this.context = LlamaContextHandle.create(model, new LlamaContextHandle.Config(batchSize, batchSize,
                    options.threads(), options.batchThreads(), Math.min(64, batchSize), false, CacheType.F16,
                    pooling));
        } catch (RuntimeException | Error e) {
            model.close();
            throw e;
        }
        this.batchSize = Math.min(batchSize, context.batchSize());
        this.dimensions = context.sequenceOutputSize();
    }

    /** One pooled vector per text, in order. */
    float[][] embed(List<String> texts) {
        if (batch == null) {
            batch = new LlamaBatch(batchSize, model.vocabSize());
        }
        int[][] tokens = new int[texts.size()][];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = model.tokenize(texts.get(i), true, false);
        }
        float[][] vectors = new float[tokens.length][];
        int sequences = context.sequences();
        int first = 0;
        while (first < tokens.length) {
            batch.clear();
            int count = 0;
            while (first + count < tokens.length && count < sequences && tokens[first + count].length <= batch.remaining()) {
                int[] text = tokens[first + count];
                for (int p = 0; p < text.length; p++) {
                    batch.add(text[p], p, count, true);
                }
                count++;
            }
            context.decode(batch);
            for (int s = 0; s < count; s++) {
                float[] vector = new float[dimensions];
                context.copySequenceEmbedding(s, vector);
                vectors[first + s] = vector;
            }
            context.clearAll();
            first += count;
        }
        return vectors;
    }

    /** Frees the batch (when called on the thread that used it), the context and the model. */
    @Override
    public void close() {
        if (batch != null) {
            batch.close();
            batch = null;
        }
        context.close();
        model.close();
    }
}
