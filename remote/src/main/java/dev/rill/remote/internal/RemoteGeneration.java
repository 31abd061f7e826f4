package dev.rill.remote.internal;

import dev.rill.AdapterSet;
import dev.rill.ChatCallback;
import dev.rill.ChatChannel;
import dev.rill.ChatDelta;
import dev.rill.ChatGeneration;
import dev.rill.ChatResult;
import dev.rill.ChatToken;
import dev.rill.Demand;
import dev.rill.FinishReason;
import dev.rill.Generation;
import dev.rill.GenerationException;
import dev.rill.GenerationResult;
import dev.rill.RillException;
import dev.rill.StreamToken;
import dev.rill.Timings;
import dev.rill.TokenCallback;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One streamed generation: subscribes to the response body, turns its events into {@link StreamToken}s and hands
 * them to the callback while there is demand. Without demand it stops requesting body buffers, so the HTTP client
 * stops reading the socket and the server's writes back up. Every signal (a buffer, demand returning, a cancel)
 * runs one serial drain loop on the client's executor, so the callback is never called from two threads at once.
 *
 * <p>A plain generation's tokens carry the answer text only. A chat generation (made with a {@link ChatCallback})
 * also reads the reasoning and tool-call fields, through a {@link RemoteChatOutput}: each token carries its
 * channel and {@link ChatDelta}, and {@link #chatResult()} the answer, reasoning and complete calls.
 */
public final class RemoteGeneration implements ChatGeneration, Flow.Subscriber<List<ByteBuffer>> {
    /** A token waiting for demand, with its channel and delta in a chat (null otherwise). */
    private record Out(StreamToken token, ChatChannel channel, ChatDelta delta) {
    }

    private final TokenCallback callback;
    private final ChatCallback chatCallback;
    private final RemoteChatOutput chat;
    private final Demand demand;
    private final Executor executor;
    private final ScheduledExecutorService timer;
    private final Duration firstTokenTimeout;
    private final Duration idleTimeout;
    private final int maxTokens;
    private final long seed;
    private final long submitted = System.nanoTime();
    private final SseLines lines = new SseLines();
    private final ArrayDeque<Object> pending = new ArrayDeque<>();
    private final AtomicInteger wip = new AtomicInteger();
    private final CompletableFuture<GenerationResult> finished = new CompletableFuture<>();
    private final CompletableFuture<GenerationResult> result = new CompletableFuture<>();
    private final CompletableFuture<ChatResult> chatResult = new CompletableFuture<>();
    private final StringBuilder text = new StringBuilder();

    private volatile Flow.Subscription subscription;
    private volatile Runnable abort = () -> {
    };
    private volatile boolean cancelled;
    private volatile boolean modelClosed;
    private volatile boolean bodyDone;
    private volatile Throwable failure;
    private boolean requested;
    private ScheduledFuture<?> timeout;
    private int index;
    private long firstTokenAt;
    private long lastTokenAt;
    private String finishReason;
    private String stopString;
    private int promptTokens = -1;
    private int completionTokens = -1;

    /** A generation whose tokens go to {@code callback} on {@code executor} while {@code demand} says so. */
    public RemoteGeneration(TokenCallback callback, Demand demand, Executor executor, ScheduledExecutorService timer,
                            Duration firstTokenTimeout, Duration idleTimeout, int maxTokens, long seed) {
        this(callback, null, demand, executor, timer, firstTokenTimeout, idleTimeout, maxTokens, seed);
    }

    /** A chat generation whose tokens, with their channels, go to {@code callback} while {@code demand} says so. */
    public static RemoteGeneration ofChat(ChatCallback callback, Demand demand, Executor executor,
                                          ScheduledExecutorService timer, Duration firstTokenTimeout,
                                          Duration idleTimeout, int maxTokens, long seed) {
        return new RemoteGeneration(null, callback, demand, executor, timer, firstTokenTimeout, idleTimeout, maxTokens,
                seed);
    }

    private RemoteGeneration(TokenCallback callback, ChatCallback chatCallback, Demand demand, Executor executor,
                             ScheduledExecutorService timer, Duration firstTokenTimeout, Duration idleTimeout,
                             int maxTokens, long seed) {
        this.callback = callback;
        this.chatCallback = chatCallback;
        this.chat = chatCallback == null ? null : new RemoteChatOutput();
        this.demand = demand;
        this.executor = executor;
        this.timer = timer;
        this.firstTokenTimeout = firstTokenTimeout;
        this.idleTimeout = idleTimeout;
        this.maxTokens = maxTokens;
        this.seed = seed;
        result.whenComplete((r, e) -> {
            if (e instanceof CancellationException) {
                cancel();
            }
        });
        chatResult.whenComplete((r, e) -> {
            if (e instanceof CancellationException) {
                cancel();
            }
        });
        finished.thenAccept(result::complete);
    }

    // ---- the body ----

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        drain();
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        synchronized (pending) {
            requested = false;
            for (ByteBuffer buffer : buffers) {
                pending.addAll(lines.feed(buffer));
            }
        }
        drain();
    }

    @Override
    public void onError(Throwable error) {
        if (failure == null) {
            failure = error;
        }
        bodyDone = true;
        drain();
    }

    @Override
    public void onComplete() {
        synchronized (pending) {
            pending.addAll(lines.finish());
        }
        bodyDone = true;
        drain();
    }

    /** Ends the generation with {@code error} before the body ends (a timeout, a failed request). */
    public void fail(Throwable error) {
        if (failure == null) {
            failure = error;
        }
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
        bodyDone = true;
        drainLater();
    }

    /**
     * What aborts the exchange when the generation stops reading early (a cancel, a failing callback): closing the
     * connection, so that the server notices at once even while its writes are backed up.
     */
    public void onAbort(Runnable abort) {
        this.abort = abort;
    }

    /** Ends the generation because its model was closed: the stream is closed, the reason is MODEL_CLOSED. */
    public void closeModel() {
        modelClosed = true;
        cancelled = true;
        drain();
    }

    // ---- the handle ----

    @Override
    public void cancel() {
        cancelled = true;
        drainLater();
    }

    @Override
    public void demandChanged() {
        drainLater();
    }

    /** Runs the drain loop on the executor, or here once the executor is shut down (the model was closed). */
    private void drainLater() {
        try {
            executor.execute(this::drain);
        } catch (RejectedExecutionException e) {
            drain();
        }
    }

    @Override
    public void switchAdapters(AdapterSet adapters) {
        throw new UnsupportedOperationException("a remote generation cannot switch adapters; the server picks them "
                + "when the request starts");
    }

    @Override
    public void switchAdaptersAndReevaluate(AdapterSet adapters) {
        switchAdapters(adapters);
    }

    @Override
    public boolean isDone() {
        return finished.isDone();
    }

    @Override
    public CompletableFuture<GenerationResult> result() {
        return result;
    }

    /**
     * The parsed result: for a chat generation the answer, reasoning and complete tool calls delivered; for a plain
     * one its text as the answer. Cancelling it cancels the generation.
     */
    @Override
    public CompletableFuture<ChatResult> chatResult() {
        return chatResult;
    }

    @Override
    public ChatResult awaitChat() {
        await();
        return chatResult.join();
    }

    @Override
    public GenerationResult await() {
        return check(finished.join());
    }

    @Override
    public GenerationResult await(Duration timeout) throws TimeoutException {
        try {
            return check(finished.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RillException("interrupted while waiting for a remote generation", e);
        } catch (ExecutionException e) {
            throw new RillException("a remote generation failed", e.getCause());
        }
    }

    private static GenerationResult check(GenerationResult r) {
        if (r.finishReason() == FinishReason.ERROR) {
            throw new GenerationException("The remote generation failed: " + r.failure().map(Throwable::getMessage)
                    .orElse("unknown"), r.failure().orElse(null), r);
        }
        return r;
    }

    // ---- the drain loop ----

    private void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            drainOnce();
            missed = wip.addAndGet(-missed);
        } while (missed != 0);
    }

    private void drainOnce() {
        while (!finished.isDone()) {
            if (cancelled) {
                Flow.Subscription s = subscription;
                if (s != null) {
                    s.cancel();
                }
                finish(modelClosed ? FinishReason.MODEL_CLOSED : FinishReason.CANCELLED, null);
                abort.run();
                return;
            }
            Object head;
            synchronized (pending) {
                head = pending.peek();
            }
            if (head instanceof Out out) {
                if (!demand.hasDemand()) {
                    return;
                }
                synchronized (pending) {
                    pending.poll();
                }
                deliver(out);
                continue;
            }
            if (head instanceof String data) {
                synchronized (pending) {
                    pending.poll();
                }
                if (!event(data)) {
                    return;
                }
                continue;
            }
            if (bodyDone) {
                if (failure != null) {
                    finish(FinishReason.ERROR, failure);
                } else if (finishReason == null) {
                    finish(FinishReason.ERROR, new RillException("the server ended the stream without a finish reason"));
                } else {
                    finish(reason(), null);
                }
                return;
            }
            Flow.Subscription s = subscription;
            if (s == null) {
                return;
            }
            boolean ask = demand.hasDemand() || index >= maxTokens || finishReason != null;
            synchronized (pending) {
                if (!ask || requested || !pending.isEmpty()) {
                    return;
                }
                requested = true;
            }
            armTimeout();
            s.request(1);
            return;
        }
    }

    /** Handles one event's data; false when the generation ended with it. */
    private boolean event(String data) {
        disarmTimeout();
        if (data.equals("[DONE]")) {
            return true;
        }
        Chunks.Chunk chunk;
        try {
            chunk = Chunks.parse(data);
        } catch (IllegalArgumentException e) {
            fail(new RillException("the server sent an event that is not a completion chunk: " + e.getMessage()));
            return true;
        }
        if (chunk.error() != null) {
            fail(new RillException("the server failed the generation: " + chunk.error()));
            return true;
        }
        if (chunk.promptTokens() >= 0) {
            promptTokens = chunk.promptTokens();
            completionTokens = chunk.completionTokens();
        }
        if (chunk.finishReason() != null) {
            finishReason = chunk.finishReason();
            stopString = chunk.stopString();
        }
        List<Out> outs = chat == null ? tokens(chunk.pieces()) : chatTokens(chunk);
        synchronized (pending) {
            for (int i = outs.size() - 1; i >= 0; i--) {
                pending.addFirst(outs.get(i));
            }
        }
        return true;
    }

    private static List<Out> tokens(List<Chunks.Piece> pieces) {
        List<Out> outs = new ArrayList<>(pieces.size());
        for (Chunks.Piece p : pieces) {
            outs.add(new Out(token(p, p.text()), null, null));
        }
        return outs;
    }

    /**
     * A chat event's tokens: one per log-probability entry (or one when there are none), the last carrying what
     * the event added to each channel and, as its text, the reasoning, answer and argument text; none when the
     * event adds nothing and has no entries.
     */
    private List<Out> chatTokens(Chunks.Chunk chunk) {
        StringBuilder content = new StringBuilder();
        chunk.pieces().forEach(p -> content.append(p.text()));
        ChatDelta delta = chat.step(content.toString(), chunk.reasoning(), chunk.calls());
        List<Chunks.Piece> pieces = chunk.pieces();
        if (pieces.isEmpty() && delta.isEmpty()) {
            return List.of();
        }
        ChatChannel channel = chat.channel(delta);
        if (pieces.isEmpty()) {
            return List.of(new Out(new StreamToken(-1, -1, RemoteChatOutput.text(delta), Float.NaN, Float.NaN, false,
                    List.of()), channel, delta));
        }
        List<Out> outs = new ArrayList<>(pieces.size());
        for (int i = 0; i < pieces.size(); i++) {
            boolean last = i == pieces.size() - 1;
            outs.add(new Out(token(pieces.get(i), last ? RemoteChatOutput.text(delta) : ""), channel,
                    last ? delta : ChatDelta.EMPTY));
        }
        return outs;
    }

    private static StreamToken token(Chunks.Piece p, String text) {
        float probability = Double.isNaN(p.logprob()) ? Float.NaN : (float) Math.exp(p.logprob());
        return new StreamToken(-1, p.tokenId(), text, probability, Float.NaN, false, p.alternatives());
    }

    private void deliver(Out out) {
        StreamToken token = out.token();
        long now = System.nanoTime();
        if (index == 0) {
            firstTokenAt = now;
        }
        lastTokenAt = now;
        StreamToken numbered = new StreamToken(index++, token.tokenId(), token.text(), token.probability(),
                token.logit(), token.endOfSequence(), token.alternatives());
        text.append(numbered.text());
        try {
            if (chat == null) {
                callback.onToken(numbered, this);
            } else {
                chat.delivered(out.delta());
                chatCallback.onToken(new ChatToken(numbered, out.channel(), out.delta()), this);
            }
        } catch (RuntimeException | Error e) {
            Flow.Subscription s = subscription;
            if (s != null) {
                s.cancel();
            }
            finish(FinishReason.ERROR, e);
            abort.run();
        }
    }

    private FinishReason reason() {
        return switch (finishReason) {
            case "stop" -> stopString != null ? FinishReason.STOP_STRING : FinishReason.END_OF_SEQUENCE;
            case "length" -> completionTokens >= 0 && completionTokens < maxTokens ? FinishReason.CONTEXT_FULL
                    : FinishReason.MAX_TOKENS;
            case "tool_calls", "function_call" -> FinishReason.TOOL_CALLS;
            case "abort" -> FinishReason.MODEL_CLOSED;
            case "error" -> FinishReason.ERROR;
            default -> FinishReason.END_OF_SEQUENCE;
        };
    }

    private void finish(FinishReason reason, Throwable error) {
        disarmTimeout();
        long end = System.nanoTime();
        Duration ttft = index == 0 ? Duration.ZERO : Duration.ofNanos(firstTokenAt - submitted);
        Duration generation = index == 0 ? Duration.ZERO : Duration.ofNanos(lastTokenAt - firstTokenAt);
        double tps = index < 2 || generation.isZero() ? 0 : (index - 1) / (generation.toNanos() / 1e9);
        Timings timings = new Timings(Duration.ZERO, ttft, Duration.ZERO, generation, Duration.ofNanos(end - submitted),
                0, tps);
        Throwable cause = error;
        if (reason == FinishReason.ERROR && cause == null) {
            cause = new RillException("the server ended the generation with finish_reason \"error\"");
        }
        GenerationResult ended = new GenerationResult(reason, text.toString(), Math.max(promptTokens, 0),
                completionTokens >= 0 ? completionTokens : index, seed, timings, Optional.ofNullable(cause));
        ChatResult parsed = chat != null ? chat.finish(ended)
                : new ChatResult(ended, ended.text(), "", List.of(), ChatDelta.EMPTY);
        finished.complete(ended);
        chatResult.complete(parsed);
    }

    // ---- timeouts ----

    private void armTimeout() {
        Duration limit = index == 0 ? firstTokenTimeout : idleTimeout;
        ScheduledFuture<?> previous = timeout;
        if (previous != null) {
            previous.cancel(false);
        }
        timeout = timer.schedule(() -> fail(new RillException("no data from the server for " + limit
                        + (index == 0 ? " (first-token timeout)" : " (idle timeout)"))),
                limit.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void disarmTimeout() {
        ScheduledFuture<?> t = timeout;
        if (t != null) {
            t.cancel(false);
            timeout = null;
        }
    }
}
