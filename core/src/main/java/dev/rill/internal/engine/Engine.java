package dev.rill.internal.engine;


import dev.rill.AdapterSet;
import dev.rill.Demand;
import dev.rill.EngineStats;
import dev.rill.FinishReason;
import dev.rill.Generation;
import dev.rill.GenerationRequest;
import dev.rill.Prompt;
import dev.rill.PromptTooLongException;
import dev.rill.RejectedGenerationException;
import dev.rill.RillException;
import dev.rill.TokenCallback;
import dev.rill.internal.llama.DecodeException;
import dev.rill.internal.llama.LlamaBatch;
import dev.rill.internal.llama.LlamaCallException;
import dev.rill.internal.llama.LlamaContextHandle;
import dev.rill.internal.llama.LlamaModelHandle;
import dev.rill.sampling.Logits;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decode loop of one llama context, on a thread of its own.
 *
 * <p>Callers on any thread {@link #submit} requests; the prompt is tokenized on the caller's thread and the
 * request waits in a bounded queue until a sequence slot is free. Each step the engine thread puts into one
 * batch the pending token of every generating sequence and then as many prompt tokens of admitted sequences
 * as the batch has room for (so a long prompt is evaluated in chunks between the running sequences' steps),
 * calls {@code llama_decode} once, samples every sequence whose logits came out, and hands each token to its
 * callback. A sequence that ends leaves its slot and its KV cells at once.
 *
 * <p>The engine owns the context, the batch and each sequence's sampler state; all are touched by its thread
 * alone and freed by it when it stops. It is the loop and the sequences' lifecycle; the rest is delegated:
 * {@link BatchPlanner} fills each step's batch, {@link AdapterScheduler} chooses and applies the step's adapter
 * set, {@link TokenEmitter} turns logits into the callback's tokens, and {@link EngineStatistics} counts.
 */
public final class Engine {
    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);
    private static final long IDLE_POLL_MILLIS = 50;

    /**
     * How an engine is set up.
     *
     * @param resolver turns a public {@link AdapterSet} into native handles, checking they belong to this model
     */
    public record Config(String name, LlamaContextHandle.Config context, int queueCapacity,
                         Function<AdapterSet, List<ResolvedAdapter>> resolver) {
    }

    private final LlamaModelHandle model;
    private final Config config;
    private final ArrayBlockingQueue<Sequence> queue;
    private volatile Thread thread;
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private final Runnable afterStop;
    private volatile boolean shutdown;
    /** What stopped the engine thread, when it was not close(): reported to every caller, not only logged. */
    private volatile Throwable fatal;

    // Engine-thread state.
    private LlamaContextHandle context;
    private LlamaBatch batch;
    private Sequence[] slots;
    private Logits[] slotLogits;
    private int active;
    private int vocab;
    private int sequenceContext;
    private final List<Sequence> inBatch = new ArrayList<>();
    private final List<Sequence> runnable = new ArrayList<>();
    private AdapterScheduler adapters;
    private BatchPlanner planner;
    private TokenEmitter emitter;
    private long stepNumber;

    private final EngineStatistics statistics = new EngineStatistics();

    /**
     * Starts the engine thread and waits until it created its context.
     *
     * @param afterStop run on the engine thread after it freed the context (the model's owner frees the model)
     * @throws RillException when the context cannot be created
     */
    public Engine(LlamaModelHandle model, Config config, Runnable afterStop) {
        this.model = model;
        this.config = config;
        this.afterStop = afterStop;
        this.queue = new ArrayBlockingQueue<>(config.queueCapacity());
        EngineThreads.start(this::run, () -> terminated.complete(null));
        try {
            started.join();
        } catch (CompletionException e) {
            terminated.join(); // the thread is reusable before the caller can load again
            throw e.getCause() instanceof RuntimeException r ? r : new RillException("engine failed to start", e.getCause());
        }
    }

    /** Cells each sequence may use. */
    public int sequenceContext() {
        return sequenceContext;
    }

    /** KV cache cells of the context. */
    public int contextSize() {
        return context.contextSize();
    }

    /**
     * Tokenizes the prompt on the calling thread and queues the request.
     *
     * @throws RejectedGenerationException when the queue is full or the engine stopped
     * @throws PromptTooLongException when the prompt does not fit in a sequence's context
     * @throws IllegalArgumentException for token ids outside the vocabulary or an empty prompt
     */
    public Generation submit(GenerationRequest request, TokenCallback callback, Demand demand) {
        if (shutdown) {
            throw closed();
        }
        int[] prompt = tokenize(request.prompt());
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt is empty and the model adds no BOS token: nothing to continue");
        }
        if (prompt.length >= sequenceContext) {
            throw new PromptTooLongException(prompt.length, sequenceContext - 1);
        }
        long seed = request.seed().orElseGet(() -> ThreadLocalRandom.current().nextLong());
        List<ResolvedAdapter> adapters = resolve(request.adapters());
        Sequence sequence = new Sequence(this, request, callback, demand, prompt, seed, adapters);
        if (!queue.offer(sequence)) {
            throw new RejectedGenerationException("the request queue of " + model.path().getFileName() + " is full ("
                    + config.queueCapacity() + " waiting); retry later or raise queueCapacity");
        }
        if (shutdown && queue.remove(sequence)) {
            Throwable failure = fatal;
            sequence.complete(failure == null ? FinishReason.MODEL_CLOSED : FinishReason.ERROR, failure);
        }
        wake();
        return sequence;
    }

    private IllegalStateException closed() {
        Throwable failure = fatal;
        return failure == null ? new IllegalStateException("the model " + model.path() + " is closed")
                : new IllegalStateException("the model " + model.path() + " is closed: its engine stopped on an "
                        + "unexpected error: " + failure, failure);
    }

    private int[] tokenize(Prompt prompt) {
        return switch (prompt) {
            case Prompt.Text text -> model.tokenize(text.text(), true, false);
            case Prompt.Chat chat -> dev.rill.internal.chat.ChatTemplates.tokenize(model, chat);
            case Prompt.Tokens ids -> {
                int[] tokens = ids.tokens();
                for (int token : tokens) {
                    model.checkToken(token);
                }
                yield tokens;
            }
        };
    }

    /** Resolves an adapter set for this engine's model; any thread. */
    List<ResolvedAdapter> resolve(AdapterSet adapters) {
        return adapters.isEmpty() ? List.of() : config.resolver().apply(adapters);
    }

    void cancelQueued(Sequence sequence) {
        if (queue.remove(sequence)) {
            sequence.complete(FinishReason.CANCELLED, null);
        }
    }

    /** Counts a generation that ended; called once per generation by {@link Sequence#complete}. */
    void completed() {
        statistics.completed();
    }

    /** Wakes the engine thread if it waits for demand. */
    void wake() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** A snapshot of the engine's gauges and counters. */
    public EngineStats stats() {
        AdapterScheduler scheduler = adapters;
        return statistics.snapshot(queue.size(), slots == null ? 0 : slots.length,
                context == null ? 0 : context.contextSize(), scheduler == null ? 0 : scheduler.switches());
    }

    void checkNotEngineThread() {
        if (Thread.currentThread() == thread) {
            throw new IllegalStateException("waiting for a generation from a token callback would deadlock the engine; "
                    + "use submit(...) and its result() future instead");
        }
    }

    /** Whether the caller is this engine's thread (a token callback). */
    public boolean isEngineThread() {
        return Thread.currentThread() == thread;
    }

    /** Whether the engine stopped or is stopping. */
    public boolean isShutDown() {
        return shutdown;
    }

    /** Requests waiting for a slot. */
    public int queued() {
        return queue.size();
    }

    /**
     * Stops accepting requests and ends every queued and running one with {@link FinishReason#MODEL_CLOSED}
     * at the next step. Waits for the engine thread to free the context and the model and to be back among the
     * idle engine threads (so that a model loaded next reuses it), unless called from that thread.
     */
    public void close() {
        shutdown = true;
        wake();
        if (!isEngineThread()) {
            terminated.join();
        }
    }

    private void run() {
        Thread current = Thread.currentThread();
        String poolName = current.getName();
        current.setName(config.name());
        thread = current;
        try {
            runOnThisThread();
        } finally {
            thread = null;
            current.setName(poolName);
        }
    }

    private void runOnThisThread() {
        try {
            context = LlamaContextHandle.create(model, config.context());
            batch = new LlamaBatch(context.batchSize(), model.vocabSize());
            vocab = model.vocabSize();
            slots = new Sequence[context.sequences()];
            slotLogits = new Logits[slots.length];
            sequenceContext = context.cellsPerSequence();
            adapters = new AdapterScheduler(context);
            planner = new BatchPlanner(batch);
            emitter = new TokenEmitter(context, vocab, sequenceContext, statistics, this::finish);
        } catch (Throwable t) {
            if (batch != null) {
                batch.close();
            }
            if (context != null) {
                context.close();
            }
            started.completeExceptionally(t);
            return;
        }
        started.complete(null);
        try {
            loop();
        } catch (Throwable t) {
            fatal = t;
            LOG.error("engine {} stopped on an unexpected error", config.name(), t);
        } finally {
            try {
                tearDown();
            } catch (Throwable t) {
                LOG.error("engine {} failed while stopping", config.name(), t);
            }
        }
    }

    /**
     * Ends every sequence, detaches adapters and frees the batch, the context and then the model. After an
     * unexpected error every running and queued generation ends with {@link FinishReason#ERROR} and that error.
     */
    private void tearDown() {
        Throwable fatal = this.fatal;
        shutdown = true;
        for (Sequence sequence : slots) {
            if (sequence != null) {
                try {
                    finish(sequence, fatal == null ? FinishReason.MODEL_CLOSED : FinishReason.ERROR, fatal);
                } catch (RuntimeException e) {
                    LOG.warn("a sequence failed to end cleanly", e);
                }
            }
        }
        Sequence waiting;
        while ((waiting = queue.poll()) != null) {
            waiting.complete(fatal == null ? FinishReason.MODEL_CLOSED : FinishReason.ERROR, fatal);
        }
        adapters.detachAll();
        try {
            batch.close();
            context.close();
        } finally {
            adapters.releaseAttached();
            afterStop.run();
        }
    }

    private void loop() {
        while (!shutdown) {
            admit();
            if (shutdown) {
                return;
            }
            if (active > 0 && !step()) {
                // Every sequence waits for demand: sleep until a consumer, a submission or close wakes us. User
                // code may have left the interrupt flag set (a callback's catch of InterruptedException); parking
                // returns at once while it is set, so clear it first: only close() stops the engine.
                Thread.interrupted();
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(IDLE_POLL_MILLIS));
            }
        }
    }

    private void admit() {
        while (active < slots.length && !shutdown) {
            Sequence sequence;
            if (active == 0) {
                try {
                    sequence = queue.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    continue; // only close() stops the engine
                }
            } else {
                sequence = queue.poll();
            }
            if (sequence == null) {
                return;
            }
            if (sequence.cancelRequested()) {
                sequence.complete(FinishReason.CANCELLED, null);
                continue;
            }
            start(sequence);
        }
    }

    private void start(Sequence sequence) {
        int slot = 0;
        while (slots[slot] != null) {
            slot++;
        }
        sequence.admittedNanos = System.nanoTime();
        try {
            sequence.sampler = sequence.request.sampler().newSequence(sequence.seed);
        } catch (Throwable e) { // user code: whatever it throws ends this request only
            sequence.complete(FinishReason.ERROR, new RillException("the sampler could not start: " + e.getMessage(), e));
            return;
        }
        String unavailable = AdapterScheduler.retainAll(sequence.adapters);
        if (unavailable != null) {
            sequence.complete(FinishReason.ERROR, new IllegalStateException("the LoRA adapter " + unavailable
                    + " was closed before the generation started"));
            return;
        }
        sequence.adaptersRetained = true;
        if (slotLogits[slot] == null) {
            slotLogits[slot] = new Logits(vocab);
        }
        sequence.logits = slotLogits[slot];
        sequence.slot = slot;
        slots[slot] = sequence;
        active++;
        statistics.active(active);
    }

    /**
     * Runs one decode step over every sequence that has demand. Returns false when no sequence could run
     * (all wait for demand), so that the caller can sleep.
     *
     * <p>The step's lists are emptied when it ends, however it ends: a sequence that ended in this step must not
     * stay reachable (with its callback and whatever that holds) while the engine idles.
     */
    private boolean step() {
        try {
            return runStep();
        } finally {
            inBatch.clear();
            runnable.clear();
        }
    }

    private boolean runStep() {
        batch.clear();
        stepNumber++;
        for (Sequence sequence : slots) {
            if (sequence == null) {
                continue;
            }
            if (sequence.cancelRequested()) {
                finish(sequence, FinishReason.CANCELLED, null);
                continue;
            }
            Sequence.AdapterSwitch change = sequence.takeSwitch();
            if (change != null && !applySwitch(sequence, change)) {
                continue;
            }
            if (wants(sequence)) {
                runnable.add(sequence);
            }
        }
        if (runnable.isEmpty()) {
            return active == 0;
        }
        List<ResolvedAdapter> group = adapters.chooseGroup(runnable);
        try {
            adapters.apply(group, slots);
        } catch (RuntimeException e) {
            for (Sequence sequence : List.copyOf(runnable)) {
                if (sequence.adapters.equals(group)) {
                    finish(sequence, FinishReason.ERROR, e);
                }
            }
            return true;
        }
        int promptInBatch = planner.plan(slots, runnable, group, stepNumber, inBatch);
        if (batch.size() == 0) {
            return active == 0;
        }
        int batchTokens = batch.size();
        if (!decodeWithRetry()) {
            return true;
        }
        statistics.step(batchTokens, promptInBatch, context.usedCells());
        long now = System.nanoTime();
        for (Sequence sequence : inBatch) {
            sequence.batchStart = -1;
            if (sequence.slot < 0) {
                continue;
            }
            if (sequence.logitsIndex < 0) {
                continue; // a prompt chunk that was not the last one
            }
            if (sequence.pendingToken >= 0) {
                sequence.nextPosition++;
            } else if (sequence.promptDoneNanos == 0) {
                sequence.promptDoneNanos = now;
            }
            int index = sequence.logitsIndex;
            sequence.logitsIndex = -1;
            emitter.emit(sequence, index);
        }
        return true;
    }

    /** Applies a caller's adapter switch; false when the sequence ended because of it. */
    private boolean applySwitch(Sequence sequence, Sequence.AdapterSwitch change) {
        String unavailable = AdapterScheduler.retainAll(change.adapters());
        if (unavailable != null) {
            finish(sequence, FinishReason.ERROR, new IllegalStateException("cannot switch to the LoRA adapter "
                    + unavailable + ": it was closed"));
            return false;
        }
        AdapterScheduler.releaseAll(sequence.adapters);
        sequence.adapters = change.adapters();
        if (change.reevaluate() && sequence.generated > 0) {
            // Evaluate the prompt and every token so far again, under the new adapters.
            int[] everything = java.util.Arrays.copyOf(sequence.prompt, sequence.prompt.length + sequence.generated);
            System.arraycopy(sequence.generatedIds, 0, everything, sequence.prompt.length, sequence.generated);
            context.clearSequence(sequence.slot);
            sequence.feed = everything;
            sequence.prompted = 0;
            sequence.nextPosition = 0;
            sequence.pendingToken = -1;
        } else if (change.reevaluate() && sequence.prompted > 0) {
            context.clearSequence(sequence.slot);
            sequence.prompted = 0;
            sequence.nextPosition = 0;
        }
        return true;
    }

    /** Asks the sequence's demand; a demand that throws anything ends the sequence, and only it. */
    private boolean wants(Sequence sequence) {
        try {
            return sequence.demand.hasDemand();
        } catch (Throwable e) {
            finish(sequence, FinishReason.ERROR, e);
            return false;
        }
    }

    /**
     * Decodes the batch. When llama.cpp finds no contiguous room in the KV cache (code 1, possible once
     * sequences of different lengths have come and gone), the cells this batch may have filled are removed,
     * the cache is compacted and the batch is tried once more. A failure after that, or any other failure,
     * ends every sequence in the batch with the error: none is dropped silently.
     */
    private boolean decodeWithRetry() {
        long start = System.nanoTime();
        try {
            try {
                context.decode(batch);
                return true;
            } catch (DecodeException e) {
                if (!e.retryAfterCompacting()) {
                    throw e;
                }
                LOG.debug("no contiguous KV room for a batch of {} tokens; compacting and retrying", batch.size());
                rollBackBatch();
                context.defragment();
                context.decode(batch);
                return true;
            }
        } catch (RuntimeException e) {
            rollBackBatch();
            for (Sequence sequence : inBatch) {
                sequence.batchStart = -1;
                sequence.logitsIndex = -1;
                if (sequence.slot >= 0) {
                    finish(sequence, FinishReason.ERROR, e);
                }
            }
            return false;
        } finally {
            statistics.decoded(System.nanoTime() - start);
        }
    }

    private void rollBackBatch() {
        for (Sequence sequence : inBatch) {
            if (sequence.slot >= 0 && sequence.batchStart >= 0) {
                try {
                    context.removeFrom(sequence.slot, sequence.batchStart);
                } catch (RuntimeException e) {
                    LOG.warn("could not roll back sequence {}", sequence.slot, e);
                }
            }
        }
    }

    private void finish(Sequence sequence, FinishReason reason, Throwable cause) {
        // A failed llama.cpp call reaches the caller as Rill's own exception, never as the binding's type.
        Throwable failure = cause instanceof LlamaCallException call ? new RillException(call.getMessage(), call) : cause;
        if (sequence.sampler != null) {
            try {
                sequence.sampler.close();
            } catch (Throwable e) {
                LOG.warn("a sampler failed to close", e);
            }
            sequence.sampler = null;
        }
        if (sequence.adaptersRetained) {
            sequence.adaptersRetained = false;
            AdapterScheduler.releaseAll(sequence.adapters);
        }
        int slot = sequence.slot;
        if (slot >= 0) {
            slots[slot] = null;
            sequence.slot = -1;
            active--;
            statistics.active(active);
            try {
                context.clearSequence(slot);
                statistics.kvCellsInUse(context.usedCells());
            } catch (RuntimeException e) {
                LOG.warn("could not clear the KV cells of sequence {}", slot, e);
            }
        }
        sequence.complete(reason, failure);
    }
}
