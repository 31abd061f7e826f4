package dev.rill.internal.embed;

import dev.rill.internal.engine.EngineThreads;
import dev.rill.internal.llama.LlamaBatch;
import dev.rill.internal.llama.LlamaContextHandle;
import dev.rill.internal.llama.LlamaModelHandle;
import dev.rill.internal.llama.PoolingType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;

/**
 * The thread that owns an embedder's llama.cpp context and batch: it creates them, runs every evaluation and
 * frees them, so the context never leaves the thread it was made on. Callers hand it jobs and wait.
 *
 * <p>Texts are packed into batches in order: one sequence per text, as many texts as fit in
 * {@code batchSize} tokens and {@code sequences} sequences, one evaluation per batch, then the cache is
 * cleared. A text must fit in one batch (the caller checks): pooling needs all of a sequence's tokens in one
 * evaluation.
 */
public final class EmbeddingWorker {
    private final LinkedBlockingQueue<Runnable> jobs = new LinkedBlockingQueue<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final int batchSize;
    private final int dimensions;
    private final PoolingType pooling;
    private LlamaContextHandle context; // only on the worker thread
    private LlamaBatch batch; // only on the worker thread
    private boolean stopping; // only on the worker thread

    private record Sizes(int batchSize, int dimensions, PoolingType pooling) {
    }

    /**
     * Starts the worker and creates its context on it.
     *
     * @throws RuntimeException what creating the context threw (the worker is then stopped)
     */
    public EmbeddingWorker(LlamaModelHandle model, LlamaContextHandle.Config config) {
        CompletableFuture<Sizes> created = new CompletableFuture<>();
        EngineThreads.start(() -> {
            try {
                context = LlamaContextHandle.create(model, config);
                // llama.cpp may raise the batch size (b4916 to 64 at least); Rill keeps to what was asked.
                int size = Math.min(config.batchSize(), context.batchSize());
                batch = new LlamaBatch(size, model.vocabSize());
                PoolingType pooling = context.pooledInJava() != null ? context.pooledInJava() : context.pooling();
                created.complete(new Sizes(size, context.sequenceOutputSize(), pooling));
            } catch (Throwable t) {
                created.completeExceptionally(t);
                freeNative();
                return;
            }
            loop();
        }, () -> stopped.complete(null));
        Sizes sizes = await(created);
        this.batchSize = sizes.batchSize();
        this.dimensions = sizes.dimensions();
        this.pooling = sizes.pooling();
    }

    private void loop() {
        try {
            while (!stopping) {
                Runnable job;
                try {
                    job = jobs.take();
                } catch (InterruptedException e) {
                    continue; // only close() stops the worker
                }
                job.run();
            }
        } finally {
            freeNative();
            // Jobs queued behind the stop are refused, not left waiting.
            for (Runnable job; (job = jobs.poll()) != null; ) {
                job.run();
            }
        }
    }

    private void freeNative() {
        if (batch != null) {
            batch.close();
            batch = null;
        }
        if (context != null) {
            context.close();
            context = null;
        }
    }

    /** Tokens one evaluation takes, as llama.cpp sized the context. */
    public int batchSize() {
        return batchSize;
    }

    /** The width of a vector: the embedding size, or for RANK pooling the classifier's outputs. */
    public int dimensions() {
        return dimensions;
    }

    /** The pooling applied: llama.cpp's, or Java's where this release cannot pool for the model. */
    public PoolingType pooling() {
        return pooling;
    }

    /** One pooled vector per text; each text is non-empty and at most {@link #batchSize()} tokens. */
    public float[][] pooled(List<int[]> texts) {
        return submit(context -> {
            float[][] vectors = new float[texts.size()][];
            PoolingType inJava = context.pooledInJava();
            evaluate(texts, (first, count) -> {
                int index = 0;
                for (int s = 0; s < count; s++) {
                    float[] vector = new float[dimensions];
                    if (inJava == null) {
                        context.copySequenceEmbedding(s, vector);
                    } else {
                        int length = texts.get(first + s).length;
                        pool(context, inJava, index, length, vector);
                        index += length;
                    }
                    vectors[first + s] = vector;
                }
            });
            return vectors;
        });
    }

    /** One vector per token of each text (the context has no pooling). */
    public List<float[][]> perToken(List<int[]> texts) {
        return submit(context -> {
            List<float[][]> result = new ArrayList<>(texts.size());
            evaluate(texts, (first, count) -> {
                int index = 0;
                for (int t = first; t < first + count; t++) {
                    float[][] rows = new float[texts.get(t).length][dimensions];
                    for (float[] row : rows) {
                        context.copyTokenEmbedding(index++, row, 0);
                    }
                    result.add(rows);
                }
            });
            return result;
        });
    }

    /** Pools the token vectors at batch entries {@code [start, start + length)} as llama.cpp would. */
    private void pool(LlamaContextHandle context, PoolingType pooling, int start, int length, float[] vector) {
        switch (pooling) {
            case CLS -> context.copyTokenEmbedding(start, vector, 0);
            case LAST -> context.copyTokenEmbedding(start + length - 1, vector, 0);
            case MEAN -> {
                float[] row = new float[dimensions];
                for (int i = start; i < start + length; i++) {
                    context.copyTokenEmbedding(i, row, 0);
                    for (int d = 0; d < dimensions; d++) {
                        vector[d] += row[d];
                    }
                }
                for (int d = 0; d < dimensions; d++) {
                    vector[d] /= length;
                }
            }
            case NONE -> throw new IllegalStateException("nothing to pool");
        }
    }

    @FunctionalInterface
    private interface BatchReader {
        /** Reads the outputs of texts {@code [first, first + count)}, which were sequences 0 to count - 1. */
        void read(int first, int count);
    }

    /** Runs on the worker thread. */
    private void evaluate(List<int[]> texts, BatchReader reader) {
        int sequences = context.sequences();
        int first = 0;
        while (first < texts.size()) {
            batch.clear();
            int count = 0;
            while (first + count < texts.size() && count < sequences
                    && texts.get(first + count).length <= batch.remaining()) {
                int[] tokens = texts.get(first + count);
                for (int p = 0; p < tokens.length; p++) {
                    // Every token is an output: llama.cpp pools only over outputs and refuses a pooled batch
                    // where some are not.
                    batch.add(tokens[p], p, count, true);
                }
                count++;
            }
            if (count == 0) {
                throw new IllegalArgumentException("text " + first + " of " + texts.get(first).length
                        + " tokens does not fit in a batch of " + batchSize);
            }
            try {
                context.decode(batch);
                reader.read(first, count);
            } finally {
                context.clearAll();
            }
            first += count;
        }
    }

    private <T> T submit(Function<LlamaContextHandle, T> job) {
        CompletableFuture<T> result = new CompletableFuture<>();
        jobs.add(() -> {
            if (context == null || stopping) {
                result.completeExceptionally(new IllegalStateException("the embedder is closed"));
                return;
            }
            try {
                result.complete(job.apply(context));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        // A job queued after the worker drained its queue would never run: wait for the result or the stop.
        await(CompletableFuture.anyOf(result, stopped));
        if (!result.isDone()) {
            throw new IllegalStateException("the embedder is closed");
        }
        return await(result);
    }

    /** Stops the worker after the jobs queued before, frees the context and waits for that. Idempotent. */
    public void close() {
        jobs.add(() -> stopping = true);
        await(stopped);
    }

    private static <T> T await(CompletableFuture<T> future) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return future.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof RuntimeException r) {
                        throw r;
                    }
                    if (cause instanceof Error error) {
                        throw error;
                    }
                    throw new IllegalStateException(cause);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
