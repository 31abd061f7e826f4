package dev.rill.internal.engine;

import dev.rill.AdapterSet;
import dev.rill.Demand;
import dev.rill.FinishReason;
import dev.rill.Generation;
import dev.rill.GenerationException;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.Timings;
import dev.rill.TokenCallback;
import dev.rill.sampling.Logits;
import dev.rill.sampling.SequenceSampler;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One generation: the caller's handle on it, and the engine's state for it. The engine thread alone touches
 * the state fields; the handle methods are safe from any thread.
 */
final class Sequence implements Generation {
    private final Engine engine;
    final GenerationRequest request;
    final TokenCallback callback;
    final Demand demand;
    final int[] prompt;
    final long seed;
    final long submittedNanos;
    /** The slot a chat session holds for this turn, or -1 for a plain request that takes any free slot. */
    final int heldSlot;
    /** Runs when the generation ends, before its result is visible to anyone; may be null. */
    private final java.util.function.Consumer<GenerationResult> onComplete;
    private final CompletableFuture<GenerationResult> result = new CompletableFuture<>();
    private final ResultFuture view = new ResultFuture(this);
    private final java.util.concurrent.atomic.AtomicBoolean completing = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile boolean cancelRequested;
    private final java.util.concurrent.atomic.AtomicReference<AdapterSwitch> pendingSwitch =
            new java.util.concurrent.atomic.AtomicReference<>();

    /** A switch of adapters asked for by the caller, applied by the engine before its next step. */
    record AdapterSwitch(List<ResolvedAdapter> adapters, boolean reevaluate) {
    }

    // Engine-thread state.
    int slot = -1;
    int[] feed;             // tokens to evaluate before sampling: the prompt, or everything so far after a re-evaluation
    List<ResolvedAdapter> adapters;
    boolean adaptersRetained;
    long lastServedStep = -1;
    int[] generatedIds = new int[16];
    int prompted;           // prompt tokens already in a batch
    int nextPosition;       // position of the next token fed to the model
    int pendingToken = -1;  // the sampled token to feed at the next step
    int logitsIndex = -1;   // batch index whose logits belong to this sequence, or -1
    int batchStart = -1;    // first position this sequence put into the current batch, or -1
    int generated;
    int reused;             // prompt tokens found in cells (kept or copied) instead of evaluated
    Sequence shareFrom;     // a prefilling sequence whose cells this one copies once they reach shareLength
    int shareLength;
    SequenceSampler sampler;
    Logits logits;
    final Utf8Assembler utf8 = new Utf8Assembler();
    final StopMatcher stops;
    final StringBuilder text = new StringBuilder();
    long admittedNanos;
    long firstDecodeNanos;
    long promptDoneNanos;
    long firstTokenNanos;
    long lastTokenNanos;

    Sequence(Engine engine, GenerationRequest request, TokenCallback callback, Demand demand, int[] prompt, long seed,
             List<ResolvedAdapter> adapters, int heldSlot, java.util.function.Consumer<GenerationResult> onComplete) {
        this.engine = engine;
        this.heldSlot = heldSlot;
        this.onComplete = onComplete;
        this.feed = prompt;
        this.adapters = adapters;
        this.request = request;
        this.callback = callback;
        this.demand = demand;
        this.prompt = prompt;
        this.seed = seed;
        this.stops = new StopMatcher(request.stopStrings());
        this.submittedNanos = System.nanoTime();
    }

    boolean prefilling() {
        return prompted < feed.length;
    }

    void recordGenerated(int token) {
        if (generated > generatedIds.length) {
            generatedIds = Arrays.copyOf(generatedIds, generatedIds.length * 2);
        }
        generatedIds[generated - 1] = token;
    }

    /** The switch asked for since the last call, or null; engine thread. */
    AdapterSwitch takeSwitch() {
        return pendingSwitch.getAndSet(null);
    }

    @Override
    public void switchAdapters(AdapterSet adapters) {
        pendingSwitch.set(new AdapterSwitch(engine.resolve(adapters), false));
        engine.wake();
    }

    @Override
    public void switchAdaptersAndReevaluate(AdapterSet adapters) {
        pendingSwitch.set(new AdapterSwitch(engine.resolve(adapters), true));
        engine.wake();
    }

    boolean cancelRequested() {
        return cancelRequested;
    }

    @Override
    public void cancel() {
        if (result.isDone()) {
            return;
        }
        cancelRequested = true;
        engine.cancelQueued(this);
        engine.wake();
    }

    @Override
    public void demandChanged() {
        engine.wake();
    }

    @Override
    public boolean isDone() {
        return result.isDone();
    }

    @Override
    public CompletableFuture<GenerationResult> result() {
        return view;
    }

    /** The caller's future: one per generation, and cancelling it cancels the generation. */
    private static final class ResultFuture extends CompletableFuture<GenerationResult> {
        private final Sequence sequence;

        ResultFuture(Sequence sequence) {
            this.sequence = sequence;
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            if (cancelled) {
                sequence.cancel();
            }
            return cancelled;
        }
    }

    @Override
    public GenerationResult await() {
        engine.checkNotEngineThread();
        try {
            return unwrap(result.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancel();
            throw new IllegalStateException("interrupted while waiting for the generation; it was cancelled", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("unreachable: results never complete exceptionally", e);
        }
    }

    @Override
    public GenerationResult await(Duration timeout) throws TimeoutException {
        engine.checkNotEngineThread();
        try {
            return unwrap(result.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancel();
            throw new IllegalStateException("interrupted while waiting for the generation; it was cancelled", e);
        } catch (TimeoutException e) {
            TimeoutException timedOut = new TimeoutException("the generation did not end within " + timeout
                    + "; it goes on (cancel() stops it)");
            timedOut.initCause(e);
            throw timedOut;
        } catch (ExecutionException e) {
            throw new IllegalStateException("unreachable: results never complete exceptionally", e);
        }
    }

    private static GenerationResult unwrap(GenerationResult r) {
        if (r.finishReason() == FinishReason.ERROR) {
            Throwable cause = r.failure().orElse(null);
            throw new GenerationException("generation failed after " + r.generatedTokens() + " tokens: "
                    + (cause == null ? "unknown error" : cause.getMessage()), cause, r);
        }
        return r;
    }

    /** Completes the handle once; later calls do nothing. */
    boolean complete(FinishReason reason, Throwable failure) {
        if (!completing.compareAndSet(false, true)) {
            return false;
        }
        long now = System.nanoTime();
        long admitted = admittedNanos == 0 ? now : admittedNanos;
        Duration promptEval = firstDecodeNanos == 0 || promptDoneNanos == 0 ? Duration.ZERO
                : Duration.ofNanos(promptDoneNanos - firstDecodeNanos);
        Duration generation = firstTokenNanos == 0 ? Duration.ZERO : Duration.ofNanos(lastTokenNanos - firstTokenNanos);
        double promptRate = promptEval.isZero() ? 0 : (prompt.length - reused) / (promptEval.toNanos() / 1e9);
        double generationRate = generated < 2 || generation.isZero() ? 0 : (generated - 1) / (generation.toNanos() / 1e9);
        Timings timings = new Timings(Duration.ofNanos(admitted - submittedNanos),
                firstTokenNanos == 0 ? Duration.ZERO : Duration.ofNanos(firstTokenNanos - submittedNanos),
                promptEval, generation, Duration.ofNanos(now - submittedNanos), promptRate, generationRate);
        engine.completed(); // counted before the caller can see the result
        GenerationResult ended = new GenerationResult(reason, text.toString(), prompt.length, generated, seed,
                timings, Optional.ofNullable(failure));
        if (onComplete != null) {
            try {
                onComplete.accept(ended);
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(Sequence.class).warn("a completion hook failed", e);
            }
        }
        // The caller's future first: what was registered on it (an adapter lease, say) has run when await() returns.
        view.complete(ended); // false when the caller cancelled it
        result.complete(ended);
        return true;
    }
}
