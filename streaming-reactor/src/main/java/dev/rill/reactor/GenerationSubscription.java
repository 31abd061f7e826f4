package dev.rill.reactor;

import dev.rill.FinishReason;
import dev.rill.Generation;
import dev.rill.GenerationException;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.LanguageModel;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionStage;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.Scannable;
import reactor.core.publisher.Operators;
import reactor.util.annotation.Nullable;
import org.reactivestreams.Subscription;

/**
 * One subscriber's generation: submits the request on the first demand, cancels it when the subscriber cancels,
 * and turns the engine's result into the terminal signal.
 *
 * <p><b>Life cycle.</b> {@link #state} moves from {@code NEW} to {@code READY} once the subscriber's
 * {@code onSubscribe} has returned, then to {@code STARTED} when demand arrives (whichever comes last wins the
 * race and submits), or to {@code ABANDONED} when the subscriber cancels before that, in which case no
 * generation ever exists. Submitting only after {@code onSubscribe} returned keeps the engine thread from
 * calling {@code onNext} while the subscriber is still inside {@code onSubscribe}.
 *
 * <p><b>Signals.</b> {@code onNext} comes from the engine's token callback and the terminal signal from the
 * result future, which the engine completes after the last callback returned, so both arrive in order from the
 * engine thread. The only other emitters are those that know no generation runs: a failed submission and a
 * cancellation (for a bad request) that won the race against the start.
 *
 * @param <T> what the subscriber receives
 */
abstract class GenerationSubscription<T> implements Subscription, Scannable {
    private static final int NEW = 0;
    private static final int READY = 1;
    private static final int STARTED = 2;
    private static final int ABANDONED = 3;

    private static final VarHandle REQUESTED;
    private static final VarHandle STATE;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            REQUESTED = lookup.findVarHandle(GenerationSubscription.class, "requested", long.class);
            STATE = lookup.findVarHandle(GenerationSubscription.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final CoreSubscriber<? super T> actual;
    final LanguageModel model;
    final GenerationRequest request;

    /** Everything requested so far, capped at {@code Long.MAX_VALUE} (which then means unbounded). */
    volatile long requested;
    private volatile int state;
    volatile boolean cancelled;
    private volatile Generation generation;
    /** The error of a non-positive {@code request(n)}, signalled in place of the usual end. */
    private volatile Throwable badRequest;
    private volatile boolean terminated;

    GenerationSubscription(CoreSubscriber<? super T> actual, LanguageModel model, GenerationRequest request) {
        this.actual = actual;
        this.model = model;
        this.request = request;
    }

    /** Queues the request with the engine; may throw what {@link LanguageModel#submit} throws. */
    abstract Generation submit();

    /**
     * When the generation has ended, ready for the terminal signal: the engine's result by default; a subclass
     * that derives more from the end (a parsed chat result) waits for that too.
     */
    CompletionStage<GenerationResult> end(Generation generation) {
        return generation.result();
    }

    /**
     * Hands the end to the caller's callback, if there is one: once per generation, before the terminal signal.
     * Runs on the engine thread; an exception it throws goes to {@code Hooks.onErrorDropped}.
     */
    void reportEnd(GenerationResult result) {
    }

    /** The generation ended on its own terms or at a limit of the request ({@code MAX_TOKENS}, {@code CONTEXT_FULL}). */
    abstract void finished(GenerationResult result);

    /** The model was closed while the generation waited or ran. */
    abstract void modelClosed(GenerationResult result);

    /** Called by the publisher once the subscriber's {@code onSubscribe} returned. */
    final void subscribed() {
        if (STATE.compareAndSet(this, NEW, READY)) {
            tryStart();
        }
    }

    @Override
    public final void request(long n) {
        if (n <= 0) {
            badRequest = new IllegalArgumentException(
                    "§3.9 violated: non-positive subscription request, request(" + n + ")");
            cancel();
            return;
        }
        long current;
        long next;
        do {
            current = requested;
            if (current == Long.MAX_VALUE) {
                break;
            }
            next = current + n;
            if (next < 0) {
                next = Long.MAX_VALUE;
            }
        } while (!REQUESTED.compareAndSet(this, current, next));
        if (state == STARTED) {
            Generation g = generation;
            if (g != null) {
                g.demandChanged();
            }
        } else {
            tryStart();
        }
    }

    @Override
    public final void cancel() {
        cancelled = true;
        while (true) {
            int s = state;
            if (s == STARTED) {
                Generation g = generation;
                if (g != null) {
                    g.cancel();
                }
                // else start() sees the flag after publishing the generation and cancels it itself.
                return;
            }
            if (s == ABANDONED) {
                return;
            }
            if (STATE.compareAndSet(this, s, ABANDONED)) {
                abandoned();
                return;
            }
        }
    }

    private void tryStart() {
        if (state == READY && requested > 0 && STATE.compareAndSet(this, READY, STARTED)) {
            start();
        }
    }

    private void start() {
        if (cancelled) {
            abandoned();
            return;
        }
        Generation g;
        try {
            g = submit();
        } catch (Throwable e) {
            Exceptions.throwIfFatal(e);
            terminated = true;
            actual.onError(e);
            return;
        }
        generation = g;
        end(g).thenAccept(this::ended);
        if (cancelled) {
            g.cancel();
        } else {
            // Demand may have grown while submit() ran, before the generation was visible to request(n).
            g.demandChanged();
        }
    }

    /** No generation will run for this subscription: report a bad request, if that was the reason. */
    private void abandoned() {
        Throwable bad = badRequest;
        if (bad != null) {
            terminated = true;
            actual.onError(bad);
        }
    }

    /** The engine's result, once per generation, after the sequence's slot and KV cells were freed. */
    private void ended(GenerationResult result) {
        terminated = true;
        try {
            reportEnd(result);
        } catch (Throwable e) {
            Exceptions.throwIfFatal(e);
            Operators.onErrorDropped(e, actual.currentContext());
        }
        Throwable bad = badRequest;
        if (bad != null) {
            actual.onError(bad);
            return;
        }
        if (cancelled) {
            return;
        }
        switch (result.finishReason()) {
            case ERROR -> actual.onError(failure(result));
            case MODEL_CLOSED -> modelClosed(result);
            case CANCELLED -> actual.onError(new CancellationException(
                    "the generation was cancelled by something other than this subscriber"));
            case END_OF_SEQUENCE, STOP_STRING, TOOL_CALLS, MAX_TOKENS, CONTEXT_FULL -> finished(result);
        }
    }

    /** The exception {@link Generation#await()} throws for a result that ended with {@link FinishReason#ERROR}. */
    static GenerationException failure(GenerationResult result) {
        Throwable cause = result.failure().orElse(null);
        return new GenerationException("generation failed after " + result.generatedTokens() + " tokens: "
                + (cause == null ? "unknown error" : cause.getMessage()), cause, result);
    }

    /** The exception token streams end with when the model is closed under them. */
    static IllegalStateException closed(LanguageModel model, GenerationResult result) {
        return new IllegalStateException("the model " + model.info().path() + " was closed after "
                + result.generatedTokens() + " tokens of this generation");
    }

    @Override
    @Nullable
    public Object scanUnsafe(Attr key) {
        if (key == Attr.ACTUAL) {
            return actual;
        }
        if (key == Attr.CANCELLED) {
            return cancelled;
        }
        if (key == Attr.TERMINATED) {
            return terminated;
        }
        if (key == Attr.REQUESTED_FROM_DOWNSTREAM) {
            return requested;
        }
        if (key == Attr.RUN_STYLE) {
            return Attr.RunStyle.ASYNC;
        }
        return null;
    }
}
