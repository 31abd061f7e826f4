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
import java.util.concurrent.ConcurrentLinkedQueue;
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
 * callback. A sequence that ends leaves its slot at once; its KV cells stay there for a later prompt with the same
 * beginning (the prompt cache, a chat session's next turn) unless it failed or the cache is off.
 *
 * <p>The engine owns the context, the batch and each sequence's sampler state; all are touched by its thread
 * alone and freed by it when it stops. It is the loop and the sequences' lifecycle; the rest is delegated:
 * {@link BatchPlanner} fills each step's batch, {@link AdapterScheduler} chooses and applies the step's adapter
 * set, {@link TokenEmitter} turns logits into the callback's tokens, {@link SlotCells} knows what each slot's
 * cells hold, and {@link EngineStatistics} counts.
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
                         Function<AdapterSet, List<ResolvedAdapter>> resolver, boolean promptCache) {
    }

    /** The cells of a held slot, as {@link #saveHeld} read them: the tokens and llama.cpp's state of them. */
    public record SavedCells(int[] tokens, byte[] state) {
    }

    /** Shorter shared prefixes are evaluated by each sequence rather than waited for. */
    private static final int MIN_SHARED_PREFIX = 8;

    private final LlamaModelHandle model;
    private final Config config;
    private final ArrayBlockingQueue<Sequence> queue;
    /** Work for the engine thread from other threads (chat sessions' slots), run between steps. */
    private final ConcurrentLinkedQueue<Task<?>> tasks = new ConcurrentLinkedQueue<>();

    /** Work for the engine thread and the future its caller waits on. */
    private record Task<T>(java.util.function.Supplier<T> work, CompletableFuture<T> done) {
        void run() {
            try {
                done.complete(work.get());
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        }
    }
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
    private SlotCells cells;
    private boolean[] freeSlots;
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
        return submit(request, callback, demand, -1, null);
    }

    /**
     * Queues a request to run in {@code heldSlot}, a slot {@link #holdSlot} reserved, whose cells stay when it
     * ends; {@code onComplete} runs before the result is visible.
     *
     * @throws RejectedGenerationException when the queue is full or the engine stopped
     * @throws PromptTooLongException when the prompt does not fit in a sequence's context
     */
    public Generation submit(GenerationRequest request, TokenCallback callback, Demand demand, int heldSlot,
                             java.util.function.Consumer<dev.rill.GenerationResult> onComplete) {
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
        Sequence sequence = new Sequence(this, request, callback, demand, prompt, seed, adapters, heldSlot, onComplete);
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

    /**
     * Runs {@code work} on the engine thread between two steps and returns its result.
     *
     * @throws IllegalStateException from a token callback (the engine thread), or when the engine stopped
     */
    private <T> T onEngineThread(java.util.function.Supplier<T> work) {
        if (isEngineThread()) {
            throw new IllegalStateException("chat session slots cannot be changed from a token callback");
        }
        if (shutdown) {
            throw closed();
        }
        CompletableFuture<T> done = new CompletableFuture<>();
        Task<T> task = new Task<>(work, done);
        tasks.add(task);
        wake();
        if (shutdown && tasks.remove(task)) {
            throw closed();
        }
        try {
            return done.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new RillException(e.getCause().getMessage(), e.getCause());
        }
    }

    private void runTasks() {
        Task<?> task;
        while ((task = tasks.poll()) != null) {
            task.run();
        }
    }

    /**
     * Reserves a sequence slot for {@code holder} (a chat session): plain requests no longer run in it, and its
     * cells stay between the holder's turns. A slot busy with a plain request is reserved now and serves the
     * holder once that request ends.
     *
     * @return the slot
     * @throws IllegalStateException when every slot is held already
     */
    public int holdSlot(Object holder) {
        return onEngineThread(() -> {
            int slot = cells.chooseToHold(slots);
            if (slot < 0) {
                throw new IllegalStateException("every one of the " + slots.length + " sequence slots is held by a chat "
                        + "session; close one or load the model with more parallelSequences");
            }
            cells.hold(slot, holder);
            return slot;
        });
    }

    /**
     * Gives a held slot back: a turn running in it ends ({@link FinishReason#CANCELLED}) and its cells are freed.
     * Does nothing once the engine stopped (which freed everything).
     */
    public void releaseSlot(int slot) {
        if (shutdown) {
            return;
        }
        try {
            onEngineThread(() -> {
                Sequence running = slots[slot];
                if (running != null) {
                    finish(running, FinishReason.CANCELLED, null);
                }
                cells.hold(slot, null);
                clearCells(slot);
                statistics.kvCellsInUse(context.usedCells());
                return null;
            });
        } catch (IllegalStateException e) {
            if (!shutdown) {
                throw e;
            }
        }
    }

    /**
     * Reads the cells of a held slot between turns.
     *
     * @throws IllegalStateException while a turn runs in it, or when its cells were computed with LoRA adapters
     * @throws IllegalArgumentException when this model's state cannot be saved
     */
    public SavedCells saveHeld(int slot) {
        return onEngineThread(() -> {
            if (slots[slot] != null) {
                throw new IllegalStateException("a turn is running; save the session after it ends");
            }
            if (!cells.computedUnder(slot, List.of())) {
                throw new IllegalStateException("the session's cells were computed with LoRA adapters, which a saved "
                        + "state cannot name; save a session that runs without adapters");
            }
            int[] tokens = cells.tokens(slot);
            return new SavedCells(tokens, context.saveSequence(slot, tokens.length));
        });
    }

    /**
     * Replaces the cells of a held, idle slot with a saved state after checking it; on failure the slot is left
     * without cells.
     *
     * @throws IllegalArgumentException when the state is malformed or does not fit a sequence
     * @throws RillException when llama.cpp refuses it
     */
    public void restoreHeld(int slot, int[] tokens, byte[] state) {
        onEngineThread(() -> {
            if (slots[slot] != null) {
                throw new IllegalStateException("a turn is running; restore into an idle session");
            }
            for (int token : tokens) {
                model.checkToken(token);
            }
            if (tokens.length >= sequenceContext) {
                throw new IllegalArgumentException("the saved state holds " + tokens.length + " tokens; a sequence of this "
                        + "model holds at most " + (sequenceContext - 1));
            }
            cells.truncate(slot, 0);
            try {
                context.restoreSequence(slot, state, tokens.length);
            } catch (LlamaCallException e) {
                throw new RillException(e.getMessage(), e);
            }
            cells.restored(slot, tokens);
            statistics.kvCellsInUse(context.usedCells());
            return null;
        });
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
            cells = new SlotCells(slots.length);
            freeSlots = new boolean[slots.length];
            planner = new BatchPlanner(batch, cells);
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
        Task<?> task;
        while ((task = tasks.poll()) != null) {
            task.done().completeExceptionally(closed());
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
            runTasks();
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

    /**
     * Starts queued requests that have a slot: a chat session's turn its held slot once idle, a plain request
     * any idle slot no session holds. Requests that find none wait, in order, without holding up the others.
     * With nothing running and nothing admitted, waits a little for a submission or a task.
     */
    private void admit() {
        boolean admitted = false;
        for (Sequence sequence : queue) {
            if (shutdown) {
                return;
            }
            if (sequence.cancelRequested()) {
                if (queue.remove(sequence)) {
                    sequence.complete(FinishReason.CANCELLED, null);
                }
                continue;
            }
            int slot = slotFor(sequence);
            if (slot < 0 || !queue.remove(sequence)) {
                continue; // no slot yet, or cancelled meanwhile (and completed by the canceller)
            }
            start(sequence, slot);
            admitted = true;
        }
        if (active == 0 && !admitted && !shutdown && tasks.isEmpty()) {
            Thread.interrupted(); // only close() stops the engine
            LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(IDLE_POLL_MILLIS));
        }
    }

    /** The slot {@code sequence} can start in now, or -1. */
    private int slotFor(Sequence sequence) {
        if (sequence.heldSlot >= 0) {
            return slots[sequence.heldSlot] == null ? sequence.heldSlot : -1;
        }
        boolean any = false;
        for (int slot = 0; slot < slots.length; slot++) {
            freeSlots[slot] = slots[slot] == null && cells.holder(slot) == null;
            any |= freeSlots[slot];
        }
        if (!any) {
            return -1;
        }
        if (!config.promptCache()) {
            for (int slot = 0; slot < slots.length; slot++) {
                if (freeSlots[slot]) {
                    return slot;
                }
            }
        }
        return cells.choose(freeSlots, sequence.feed, sequence.adapters).slot();
    }

    private void start(Sequence sequence, int slot) {
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
        try {
            reuseCells(sequence);
        } catch (RuntimeException e) {
            finish(sequence, FinishReason.ERROR, e);
        }
    }

    /**
     * Lets a starting sequence skip the prompt tokens whose cells exist already: those its slot holds (a chat
     * session's earlier turns, or a finished request's prompt), or, with the prompt cache on, those another slot
     * holds (copied), or those a sequence evaluating the same beginning is about to hold (waited for, then
     * copied). The cells past the common prefix are removed. The last prompt token is always evaluated, since
     * its logits start the generation.
     */
    private void reuseCells(Sequence sequence) {
        int slot = sequence.slot;
        int[] prompt = sequence.feed;
        int limit = prompt.length - 1;
        boolean cache = config.promptCache() || sequence.heldSlot >= 0;
        int keep = cache ? Math.min(limit, cells.commonPrefix(slot, prompt, sequence.adapters)) : 0;
        if (config.promptCache()) {
            SlotCells.Match other = cells.longestElsewhere(slot, prompt, sequence.adapters);
            if (other != null && Math.min(limit, other.length()) > keep) {
                clearCells(slot);
                keep = Math.min(limit, other.length());
                context.copyCells(other.slot(), slot, keep);
                cells.copy(other.slot(), slot, keep);
            }
        }
        if (cells.length(slot) > keep) {
            if (keep == 0) {
                clearCells(slot);
            } else {
                context.removeFrom(slot, keep);
                cells.truncate(slot, keep);
            }
        }
        if (config.promptCache()) {
            waitForSharedPrefix(sequence, keep);
        }
        sequence.prompted = keep;
        sequence.nextPosition = keep;
        sequence.reused = keep;
        statistics.reused(keep);
    }

    /**
     * When another running sequence is evaluating a longer beginning of this prompt than the cells hold (several
     * requests with one system prompt submitted together), this one waits for it and copies, rather than
     * evaluating the same tokens again.
     */
    private void waitForSharedPrefix(Sequence sequence, int keep) {
        int limit = sequence.feed.length - 1;
        Sequence best = null;
        int bestLength = keep;
        for (Sequence other : slots) {
            if (other == null || other == sequence || !other.prefilling() || other.shareFrom != null
                    || !other.adapters.equals(sequence.adapters)) {
                continue;
            }
            int common = Math.min(limit, commonPrefix(other.feed, sequence.feed));
            if (common > bestLength) {
                best = other;
                bestLength = common;
            }
        }
        if (best != null && bestLength - keep >= MIN_SHARED_PREFIX) {
            sequence.shareFrom = best;
            sequence.shareLength = bestLength;
        }
    }

    private static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length);
        int i = 0;
        while (i < n && a[i] == b[i]) {
            i++;
        }
        return i;
    }

    /**
     * Settles the sequences waiting for a shared prefix before the step is planned: one whose source now holds
     * the prefix copies it; one whose source ended, or cannot run this step, stops waiting and evaluates the
     * prefix itself.
     */
    private void settleSharing() {
        for (Sequence sequence : runnable) {
            Sequence source = sequence.shareFrom;
            if (source == null) {
                continue;
            }
            boolean ready = source.slot >= 0
                    && cells.commonPrefix(source.slot, sequence.feed, sequence.adapters) >= sequence.shareLength;
            if (!ready && (source.slot < 0 || !runnable.contains(source))) {
                sequence.shareFrom = null;
                continue;
            }
            if (ready) {
                sequence.shareFrom = null;
                int length = sequence.shareLength;
                try {
                    clearCells(sequence.slot);
                    context.copyCells(source.slot, sequence.slot, length);
                    cells.copy(source.slot, sequence.slot, length);
                } catch (RuntimeException e) {
                    finish(sequence, FinishReason.ERROR, e);
                    continue;
                }
                statistics.reused(length - sequence.prompted);
                sequence.reused = length;
                sequence.prompted = length;
                sequence.nextPosition = length;
            }
        }
        runnable.removeIf(sequence -> sequence.slot < 0);
    }

    /** Frees every cell of {@code slot}. */
    private void clearCells(int slot) {
        context.clearSequence(slot);
        cells.truncate(slot, 0);
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
        settleSharing();
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
            clearCells(sequence.slot);
            sequence.feed = everything;
            sequence.prompted = 0;
            sequence.nextPosition = 0;
            sequence.pendingToken = -1;
        } else if (change.reevaluate() && sequence.prompted > 0) {
            sequence.shareFrom = null;
            clearCells(sequence.slot);
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
                    cells.truncate(sequence.slot, sequence.batchStart);
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
            for (Sequence other : slots) {
                if (other != null && other.shareFrom == sequence) {
                    other.shareFrom = null; // it evaluates the prefix itself, and holds no ended sequence
                }
            }
            slots[slot] = null;
            sequence.slot = -1;
            active--;
            statistics.active(active);
            try {
                // The cells stay for a later prompt (the prompt cache, a chat session's next turn) unless they may
                // be wrong (an error, which may have left a batch half in them).
                if (reason == FinishReason.ERROR || !(config.promptCache() || cells.holder(slot) != null)) {
                    clearCells(slot);
                }
                statistics.kvCellsInUse(context.usedCells());
            } catch (RuntimeException e) {
                LOG.warn("could not clear the KV cells of sequence {}", slot, e);
            }
        }
        sequence.complete(reason, failure);
    }
}
