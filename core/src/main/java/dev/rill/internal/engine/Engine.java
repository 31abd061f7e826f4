package dev.rill.internal.engine;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

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
import dev.rill.StreamToken;
import dev.rill.TokenAlternative;
import dev.rill.TokenCallback;
import dev.rill.internal.llama.DecodeException;
import dev.rill.internal.llama.LlamaAdapterHandle;
import dev.rill.internal.llama.LlamaBatch;
import dev.rill.internal.llama.LlamaCallException;
import dev.rill.internal.llama.LlamaContextHandle;
import dev.rill.internal.llama.LlamaModelHandle;
import dev.rill.sampling.Logits;
import dev.rill.sampling.TokenChoice;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.time.Duration;
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
 * alone and freed by it when it stops.
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

    // Engine-thread state.
    private LlamaContextHandle context;
    private LlamaBatch batch;
    private Sequence[] slots;
    private Logits[] slotLogits;
    private int active;
    private int vocab;
    private int sequenceContext;
    private int nextPromptSlot;
    private final List<Sequence> inBatch = new ArrayList<>();
    private final List<Sequence> runnable = new ArrayList<>();
    /** Adapters attached to the context, with their current scales; the engine holds a reference on each. */
    private final Map<LlamaAdapterHandle, Float> attached = new IdentityHashMap<>();
    private List<ResolvedAdapter> appliedSet = List.of();
    private long stepNumber;
    private volatile long adapterSwitches;

    // Statistics: written by the engine thread, read by any.
    private volatile int activeGauge;
    private volatile int kvCellsInUse;
    private volatile long steps;
    private volatile long promptTokens;
    private volatile long generatedTokens;
    private final java.util.concurrent.atomic.AtomicLong completed = new java.util.concurrent.atomic.AtomicLong();
    private volatile long decodeNanos;
    private volatile double recentStepsPerSecond;
    private volatile double recentTokensPerStep;
    private long windowStart;
    private long windowSteps;
    private long windowTokens;
    private static final long WINDOW_NANOS = 1_000_000_000L;

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
        EngineThreads.start(this::run);
        try {
            started.join();
        } catch (CompletionException e) {
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
            throw new IllegalStateException("the model " + model.path() + " is closed");
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
            sequence.complete(FinishReason.MODEL_CLOSED, null);
        }
        wake();
        return sequence;
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
        completed.incrementAndGet();
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
        return new EngineStats(activeGauge, queue.size(), slots == null ? 0 : slots.length, kvCellsInUse,
                context == null ? 0 : context.contextSize(), steps, promptTokens, generatedTokens, completed.get(),
                adapterSwitches, Duration.ofNanos(decodeNanos), recentStepsPerSecond, recentTokensPerStep);
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
     * at the next step. Waits for the engine thread to free its context, unless called from that thread.
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
        } catch (Throwable t) {
            if (batch != null) {
                batch.close();
            }
            if (context != null) {
                context.close();
            }
            started.completeExceptionally(t);
            terminated.complete(null);
            return;
        }
        started.complete(null);
        Throwable fatal = null;
        try {
            loop();
        } catch (Throwable t) {
            fatal = t;
            LOG.error("engine {} stopped on an unexpected error", config.name(), t);
        } finally {
            try {
                tearDown(fatal);
            } catch (Throwable t) {
                LOG.error("engine {} failed while stopping", config.name(), t);
            } finally {
                // Whatever happened above, close() must not wait for ever.
                terminated.complete(null);
            }
        }
    }

    /** Ends every sequence, detaches adapters and frees the batch, the context and then the model. */
    private void tearDown(Throwable fatal) {
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
            waiting.complete(FinishReason.MODEL_CLOSED, null);
        }
        for (LlamaAdapterHandle adapter : attached.keySet()) {
            try {
                context.removeAdapter(adapter);
            } catch (RuntimeException e) {
                LOG.warn("could not detach {}", adapter, e);
            }
        }
        try {
            batch.close();
            context.close();
        } finally {
            attached.keySet().forEach(LlamaAdapterHandle::release);
            attached.clear();
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
                // Every sequence waits for demand: sleep until a consumer, a submission or close wakes us.
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
        } catch (RuntimeException e) {
            sequence.complete(FinishReason.ERROR, new RillException("the sampler could not start: " + e.getMessage(), e));
            return;
        }
        String unavailable = retainAll(sequence.adapters);
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
        activeGauge = active;
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
        int promptInBatch = 0;
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
        List<ResolvedAdapter> group = chooseGroup();
        try {
            applyAdapters(group);
        } catch (RuntimeException e) {
            for (Sequence sequence : List.copyOf(runnable)) {
                if (sequence.adapters.equals(group)) {
                    finish(sequence, FinishReason.ERROR, e);
                }
            }
            return true;
        }
        for (Sequence sequence : runnable) {
            if (sequence.slot >= 0 && !sequence.prefilling() && sequence.adapters.equals(group)) {
                sequence.batchStart = sequence.nextPosition;
                sequence.logitsIndex = batch.add(sequence.pendingToken, sequence.nextPosition, sequence.slot, true);
                sequence.lastServedStep = stepNumber;
                inBatch.add(sequence);
            }
        }
        // Prompt chunks fill the room the running sequences left, one sequence after another, starting with a
        // different slot each step so that no prompt waits behind another for ever.
        for (int i = 0; i < slots.length && batch.remaining() > 0; i++) {
            Sequence sequence = slots[(nextPromptSlot + i) % slots.length];
            if (sequence == null || !sequence.prefilling() || !runnable.contains(sequence)
                    || !sequence.adapters.equals(group)) {
                continue;
            }
            int count = Math.min(batch.remaining(), sequence.feed.length - sequence.prompted);
            sequence.batchStart = sequence.prompted;
            sequence.lastServedStep = stepNumber;
            for (int j = 0; j < count; j++) {
                int position = sequence.prompted + j;
                boolean last = position == sequence.feed.length - 1;
                int index = batch.add(sequence.feed[position], position, sequence.slot, last);
                if (last) {
                    sequence.logitsIndex = index;
                }
            }
            if (sequence.firstDecodeNanos == 0) {
                sequence.firstDecodeNanos = System.nanoTime();
            }
            sequence.prompted += count;
            sequence.nextPosition = sequence.prompted;
            promptInBatch += count;
            inBatch.add(sequence);
        }
        nextPromptSlot = (nextPromptSlot + 1) % slots.length;
        if (batch.size() == 0) {
            return active == 0;
        }
        int batchTokens = batch.size();
        if (!decodeWithRetry()) {
            return true;
        }
        record(batchTokens, promptInBatch);
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
            sample(sequence, index);
        }
        return true;
    }

    /**
     * The adapter set this step runs: the set of the runnable sequence served longest ago (lowest slot among
     * equals), so that every group gets its turn and none starves. Sequences of other sets sit this step out.
     */
    private List<ResolvedAdapter> chooseGroup() {
        Sequence oldest = runnable.getFirst();
        boolean mixed = false;
        for (Sequence sequence : runnable) {
            if (!sequence.adapters.equals(oldest.adapters)) {
                mixed = true;
            }
            if (sequence.lastServedStep < oldest.lastServedStep) {
                oldest = sequence;
            }
        }
        return mixed ? oldest.adapters : runnable.getFirst().adapters;
    }

    /**
     * Makes the context run {@code group}. Adapters of the group are attached (or re-scaled); every other
     * attached adapter is set to scale 0. An adapter that no sequence uses any more is detached, but never in
     * a step that also attaches one: llama.cpp b4916 reuses its graph allocation when a new graph has as many
     * nodes as the last, and detaching one adapter while attaching another on a different tensor makes exactly
     * such a graph, which aborts the process. Each change of the attached set therefore changes its size.
     */
    private void applyAdapters(List<ResolvedAdapter> group) {
        if (group.equals(appliedSet) && attached.size() == group.size()) {
            return;
        }
        boolean attaching = false;
        for (ResolvedAdapter adapter : group) {
            Float current = attached.get(adapter.handle());
            if (current == null) {
                if (!adapter.handle().retain()) {
                    throw new IllegalStateException("the LoRA adapter " + adapter.handle().path() + " was freed");
                }
                try {
                    context.setAdapter(adapter.handle(), adapter.scale());
                } catch (RuntimeException e) {
                    adapter.handle().release();
                    throw e;
                }
                attached.put(adapter.handle(), adapter.scale());
                attaching = true;
            } else if (Float.compare(current, adapter.scale()) != 0) {
                context.setAdapter(adapter.handle(), adapter.scale());
                attached.put(adapter.handle(), adapter.scale());
            }
        }
        List<LlamaAdapterHandle> unused = new ArrayList<>();
        for (Map.Entry<LlamaAdapterHandle, Float> entry : attached.entrySet()) {
            LlamaAdapterHandle handle = entry.getKey();
            if (inGroup(group, handle)) {
                continue;
            }
            if (!attaching && !usedByAnySequence(handle)) {
                unused.add(handle);
            } else if (entry.getValue() != 0f) {
                context.setAdapter(handle, 0f);
                entry.setValue(0f);
            }
        }
        for (LlamaAdapterHandle handle : unused) {
            context.removeAdapter(handle);
            attached.remove(handle);
            handle.release();
        }
        if (!group.equals(appliedSet)) {
            adapterSwitches++;
        }
        appliedSet = group;
    }

    private static boolean inGroup(List<ResolvedAdapter> group, LlamaAdapterHandle handle) {
        for (ResolvedAdapter adapter : group) {
            if (adapter.handle() == handle) {
                return true;
            }
        }
        return false;
    }

    private boolean usedByAnySequence(LlamaAdapterHandle handle) {
        for (Sequence sequence : slots) {
            if (sequence != null && inGroup(sequence.adapters, handle)) {
                return true;
            }
        }
        return false;
    }

    /** Applies a caller's adapter switch; false when the sequence ended because of it. */
    private boolean applySwitch(Sequence sequence, Sequence.AdapterSwitch change) {
        String unavailable = retainAll(change.adapters());
        if (unavailable != null) {
            finish(sequence, FinishReason.ERROR, new IllegalStateException("cannot switch to the LoRA adapter "
                    + unavailable + ": it was closed"));
            return false;
        }
        releaseAll(sequence.adapters);
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

    /** Retains every adapter; on failure releases those taken and returns the path of the one that failed. */
    private static String retainAll(List<ResolvedAdapter> adapters) {
        for (int i = 0; i < adapters.size(); i++) {
            if (!adapters.get(i).handle().retain()) {
                for (int j = 0; j < i; j++) {
                    adapters.get(j).handle().release();
                }
                return adapters.get(i).handle().path().toString();
            }
        }
        return null;
    }

    private static void releaseAll(List<ResolvedAdapter> adapters) {
        for (ResolvedAdapter adapter : adapters) {
            adapter.handle().release();
        }
    }

    /** Asks the sequence's demand; a demand that throws ends the sequence. */
    private boolean wants(Sequence sequence) {
        try {
            return sequence.demand.hasDemand();
        } catch (RuntimeException e) {
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
            decodeNanos += System.nanoTime() - start;
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

    private void record(int batchTokens, int promptInBatch) {
        long now = System.nanoTime();
        steps++;
        promptTokens += promptInBatch;
        kvCellsInUse = context.usedCells();
        if (windowStart == 0) {
            windowStart = now;
        }
        windowSteps++;
        windowTokens += batchTokens;
        if (now - windowStart >= WINDOW_NANOS) {
            recentStepsPerSecond = windowSteps / ((now - windowStart) / 1e9);
            recentTokensPerStep = (double) windowTokens / windowSteps;
            windowStart = now;
            windowSteps = 0;
            windowTokens = 0;
        }
    }

    private void sample(Sequence sequence, int index) {
        MemorySegment row;
        TokenChoice choice;
        List<TokenAlternative> alternatives = List.of();
        try {
            row = context.logits(index);
            Logits logits = sequence.logits;
            logits.resize(vocab);
            MemorySegment.copy(row, JAVA_FLOAT, 0, logits.array(), 0, vocab);
            int wanted = sequence.request.topAlternatives();
            if (wanted > 0) {
                alternatives = Alternatives.top(logits.array(), vocab, wanted, context::piece);
            }
            choice = sequence.sampler.choose(logits);
            if (choice == null || choice.token() >= vocab) {
                throw new IllegalStateException("the sampler chose " + (choice == null ? "nothing"
                        : "token id " + choice.token() + ", outside the vocabulary [0, " + vocab + ")"));
            }
            sequence.sampler.accept(choice.token());
        } catch (RuntimeException e) {
            finish(sequence, FinishReason.ERROR, e);
            return;
        }
        int token = choice.token();
        float logit = row.getAtIndex(JAVA_FLOAT, token);
        long now = System.nanoTime();
        if (sequence.firstTokenNanos == 0) {
            sequence.firstTokenNanos = now;
        }
        sequence.lastTokenNanos = now;
        sequence.generated++;
        sequence.recordGenerated(token);
        generatedTokens++;

        boolean endOfGeneration = context.isEndOfGeneration(token);
        String piece = endOfGeneration ? "" : sequence.utf8.append(context.piece(token));
        StopMatcher.Result offered = sequence.stops.offer(piece);
        String released = offered.released();
        FinishReason reason = null;
        if (offered.stopped()) {
            reason = FinishReason.STOP_STRING;
        } else {
            if (endOfGeneration) {
                reason = FinishReason.END_OF_SEQUENCE;
            } else if (sequence.generated >= sequence.request.maxTokens()) {
                reason = FinishReason.MAX_TOKENS;
            } else if (sequence.nextPosition >= sequenceContext) {
                reason = FinishReason.CONTEXT_FULL;
            }
            if (reason != null) {
                StopMatcher.Result tail = sequence.stops.offer(sequence.utf8.finish());
                released += tail.released();
                if (tail.stopped()) {
                    reason = FinishReason.STOP_STRING;
                } else {
                    released += sequence.stops.flush();
                }
            }
        }
        StreamToken streamToken = new StreamToken(sequence.generated - 1, token, released, choice.probability(), logit,
                endOfGeneration, alternatives);
        try {
            sequence.callback.onToken(streamToken, sequence);
        } catch (Throwable t) {
            finish(sequence, FinishReason.ERROR, t);
            return;
        }
        sequence.text.append(released);
        if (reason != null) {
            finish(sequence, reason, null);
        } else if (sequence.cancelRequested()) {
            finish(sequence, FinishReason.CANCELLED, null);
        } else {
            sequence.pendingToken = token;
        }
    }

    private void finish(Sequence sequence, FinishReason reason, Throwable cause) {
        // A failed llama.cpp call reaches the caller as Rill's own exception, never as the binding's type.
        Throwable failure = cause instanceof LlamaCallException call ? new RillException(call.getMessage(), call) : cause;
        if (sequence.sampler != null) {
            try {
                sequence.sampler.close();
            } catch (RuntimeException e) {
                LOG.warn("a sampler failed to close", e);
            }
            sequence.sampler = null;
        }
        if (sequence.adaptersRetained) {
            sequence.adaptersRetained = false;
            releaseAll(sequence.adapters);
        }
        int slot = sequence.slot;
        if (slot >= 0) {
            slots[slot] = null;
            sequence.slot = -1;
            active--;
            activeGauge = active;
            try {
                context.clearSequence(slot);
                kvCellsInUse = context.usedCells();
            } catch (RuntimeException e) {
                LOG.warn("could not clear the KV cells of sequence {}", slot, e);
            }
        }
        sequence.complete(reason, failure);
    }
}
