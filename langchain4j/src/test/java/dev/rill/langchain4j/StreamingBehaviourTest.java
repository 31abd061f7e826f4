package dev.rill.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.listener.ChatModelErrorContext;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.listener.ChatModelRequestContext;
import dev.langchain4j.model.chat.listener.ChatModelResponseContext;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import dev.langchain4j.model.output.FinishReason;
import dev.rill.EngineStats;
import dev.rill.Model;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link RillStreamingChatModel} on the rigged plus-one model: exact partial responses, the thread they arrive
 * on, cancellation through the streaming handle, and what happens to exceptions thrown by handlers; the
 * behaviour LangChain4j's suite checks with questions a rigged model cannot answer.
 */
class StreamingBehaviourTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static Model model;

    @BeforeAll
    static void load() {
        model = Fixtures.plusOneChat();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** Records every handler call, the threads they ran on, and fails on demand. */
    private static class Recorder implements StreamingChatResponseHandler {
        final StringBuffer text = new StringBuffer();
        final AtomicInteger partials = new AtomicInteger();
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        final Set<Thread> threads = new CopyOnWriteArraySet<>();
        final CompletableFuture<ChatResponse> complete = new CompletableFuture<>();
        final CompletableFuture<Throwable> firstError = new CompletableFuture<>();
        final AtomicInteger completions = new AtomicInteger();

        @Override
        public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
            threads.add(Thread.currentThread());
            partials.incrementAndGet();
            text.append(partial.text());
            afterPartial(context.streamingHandle());
        }

        void afterPartial(StreamingHandle handle) {
        }

        @Override
        public void onCompleteResponse(ChatResponse response) {
            threads.add(Thread.currentThread());
            completions.incrementAndGet();
            complete.complete(response);
            afterComplete();
        }

        void afterComplete() {
        }

        @Override
        public void onError(Throwable error) {
            threads.add(Thread.currentThread());
            errors.add(error);
            firstError.complete(error);
        }
    }

    /** Counts listener calls. */
    private static final class CountingListener implements ChatModelListener {
        final AtomicInteger requests = new AtomicInteger();
        final AtomicInteger responses = new AtomicInteger();
        final List<Throwable> errors = new CopyOnWriteArrayList<>();

        @Override
        public void onRequest(ChatModelRequestContext context) {
            requests.incrementAndGet();
        }

        @Override
        public void onResponse(ChatModelResponseContext context) {
            responses.incrementAndGet();
        }

        @Override
        public void onError(ChatModelErrorContext context) {
            errors.add(context.error());
        }
    }

    private static ChatRequest hello(int maxTokens) {
        return ChatRequest.builder().messages(UserMessage.from("hello"))
                .parameters(ChatRequestParameters.builder().maxOutputTokens(maxTokens).build()).build();
    }

    private static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Test
    void partialResponsesAreTheTokensTextsOnOneEngineThreadAndMatchTheBlockingModel() throws Exception {
        Recorder recorder = new Recorder();
        Fixtures.streamingModel(model, DefaultChatRequestParameters.EMPTY).chat(hello(7), recorder);

        ChatResponse response = await(recorder.complete);
        assertEquals("abcdefg", recorder.text.toString());
        assertEquals(7, recorder.partials.get());
        assertEquals("abcdefg", response.aiMessage().text());
        assertEquals(FinishReason.LENGTH, response.finishReason());
        assertEquals(7, response.tokenUsage().outputTokenCount());
        assertEquals(1, recorder.threads.size(), "every call on one thread: " + recorder.threads);
        assertNotEquals(Thread.currentThread(), recorder.threads.iterator().next());
        assertEquals(List.of(), recorder.errors);

        ChatResponse blocking = Fixtures.chatModel(model, DefaultChatRequestParameters.EMPTY).chat(hello(7));
        assertEquals(blocking.aiMessage(), response.aiMessage());
        assertEquals(blocking.tokenUsage(), response.tokenUsage());
        assertEquals(((RillChatResponseMetadata) blocking.metadata()).tokens(),
                ((RillChatResponseMetadata) response.metadata()).tokens());
    }

    @Test
    void aReplyEndedByItsFirstTokenStillCompletesOnTheEngineThread() throws Exception {
        Recorder recorder = new Recorder();
        Fixtures.streamingModel(model, DefaultChatRequestParameters.EMPTY).chat(hello(1), recorder);

        assertEquals("a", await(recorder.complete).aiMessage().text());
        assertEquals(1, recorder.threads.size(), "every call on one thread: " + recorder.threads);
        assertNotEquals(Thread.currentThread(), recorder.threads.iterator().next());
    }

    @Test
    void cancellingAfterTheFifthPartialEndsTheGenerationAndTheHandlerHearsNothingMore() throws Exception {
        AtomicReference<StreamingHandle> handle = new AtomicReference<>();
        Recorder recorder = new Recorder() {
            @Override
            void afterPartial(StreamingHandle streamingHandle) {
                handle.set(streamingHandle);
                if (partials.get() == 5) {
                    streamingHandle.cancel();
                }
            }
        };
        long completedBefore = model.stats().completedGenerations();
        Fixtures.streamingModel(model, DefaultChatRequestParameters.EMPTY).chat(hello(200), recorder);

        EngineStats stats = awaitStats(s -> s.completedGenerations() > completedBefore && s.activeSequences() == 0);
        assertEquals(0, stats.activeSequences());
        assertEquals("abcde", recorder.text.toString());
        assertEquals(5, recorder.partials.get());
        assertEquals(0, recorder.completions.get());
        assertEquals(List.of(), recorder.errors);
        assertTrue(handle.get().isCancelled());
        handle.get().cancel();
        assertTrue(handle.get().isCancelled());
    }

    @Test
    void cancellingFromAnotherThreadStopsTheStream() throws Exception {
        CompletableFuture<StreamingHandle> first = new CompletableFuture<>();
        Recorder recorder = new Recorder() {
            @Override
            void afterPartial(StreamingHandle streamingHandle) {
                first.complete(streamingHandle);
            }
        };
        long completedBefore = model.stats().completedGenerations();
        Fixtures.streamingModel(model, DefaultChatRequestParameters.EMPTY).chat(hello(2000), recorder);
        await(first).cancel();

        awaitStats(s -> s.completedGenerations() > completedBefore && s.activeSequences() == 0);
        int partials = recorder.partials.get();
        assertTrue(partials < 2000, "stopped after " + partials);
        assertEquals(0, recorder.completions.get());
        assertEquals(List.of(), recorder.errors);
    }

    @Test
    void exceptionsFromPartialCallbacksGoToOnErrorAndTheStreamGoesOn() throws Exception {
        RuntimeException userCode = new RuntimeException("user code failed");
        Recorder recorder = new Recorder() {
            @Override
            void afterPartial(StreamingHandle streamingHandle) {
                throw userCode;
            }
        };
        CountingListener listener = new CountingListener();
        RillStreamingChatModel.builder().model(model).listeners(List.of(listener)).build().chat(hello(4), recorder);

        assertEquals("abcd", await(recorder.complete).aiMessage().text());
        assertEquals(4, recorder.partials.get());
        assertEquals(4, recorder.errors.size());
        recorder.errors.forEach(error -> assertSame(userCode, error));
        assertEquals(1, listener.requests.get());
        assertEquals(4, listener.errors.size());
        assertEquals(1, listener.responses.get());
    }

    @Test
    void anExceptionFromOnCompleteResponseGoesToOnError() throws Exception {
        RuntimeException userCode = new RuntimeException("user code failed at the end");
        Recorder recorder = new Recorder() {
            @Override
            void afterComplete() {
                throw userCode;
            }
        };
        CountingListener listener = new CountingListener();
        RillStreamingChatModel.builder().model(model).listeners(List.of(listener)).build().chat(hello(3), recorder);

        assertEquals("abc", await(recorder.complete).aiMessage().text());
        assertSame(userCode, await(recorder.firstError));
        assertEquals(1, recorder.errors.size());
        assertEquals(List.of(userCode), listener.errors);
        assertEquals(1, listener.responses.get());
    }

    @Test
    void anExceptionFromOnErrorIsDroppedAndTheModelGoesOn() throws Exception {
        AtomicInteger onErrorCalls = new AtomicInteger();
        CompletableFuture<Void> errorSeen = new CompletableFuture<>();
        StreamingChatResponseHandler handler = new StreamingChatResponseHandler() {
            @Override
            public void onCompleteResponse(ChatResponse response) {
                throw new RuntimeException("fails, so that onError runs");
            }

            @Override
            public void onError(Throwable error) {
                onErrorCalls.incrementAndGet();
                errorSeen.complete(null);
                throw new RuntimeException("fails too, and is dropped");
            }
        };
        RillStreamingChatModel streaming = Fixtures.streamingModel(model, DefaultChatRequestParameters.EMPTY);
        streaming.chat(hello(2), handler);
        await(errorSeen);

        Recorder next = new Recorder();
        streaming.chat(hello(2), next);
        assertEquals("ab", await(next.complete).aiMessage().text());
        assertEquals(1, onErrorCalls.get());
    }

    @Test
    void aClosedModelReportsToOnErrorAndTheListeners() throws Exception {
        Model closing = Fixtures.plusOneChat();
        CountingListener listener = new CountingListener();
        RillStreamingChatModel streaming = RillStreamingChatModel.builder().model(closing)
                .listeners(List.of(listener)).build();
        closing.close();
        Recorder recorder = new Recorder();
        streaming.chat(hello(2), recorder);

        assertInstanceOf(IllegalStateException.class, await(recorder.firstError));
        assertEquals(0, recorder.partials.get());
        assertEquals(1, listener.errors.size());
        assertEquals(0, listener.responses.get());
    }

    @Test
    void aPromptTooLongForTheContextReportsToOnErrorAndNothingElse() throws Exception {
        CountingListener listener = new CountingListener();
        Recorder recorder = new Recorder();
        RillStreamingChatModel.builder().model(model).listeners(List.of(listener)).build()
                .chat("x".repeat(600), recorder);

        assertInstanceOf(dev.rill.PromptTooLongException.class, await(recorder.firstError));
        assertEquals(0, recorder.partials.get());
        assertEquals(0, recorder.completions.get());
        assertEquals(1, listener.errors.size());
    }

    private static EngineStats awaitStats(java.util.function.Predicate<EngineStats> condition) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        EngineStats last = model.stats();
        while (!condition.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for the engine; last: " + last);
            }
            Thread.onSpinWait();
            Thread.yield();
            last = model.stats();
        }
        return last;
    }
}
