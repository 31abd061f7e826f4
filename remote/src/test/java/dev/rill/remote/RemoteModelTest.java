package dev.rill.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.ChatCallback;
import dev.rill.ChatChannel;
import dev.rill.ChatGeneration;
import dev.rill.ChatMessage;
import dev.rill.ChatResult;
import dev.rill.ChatToken;
import dev.rill.EmbeddingOptions;
import dev.rill.FinishReason;
import dev.rill.Generation;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.Prompt;
import dev.rill.PromptTooLongException;
import dev.rill.RejectedGenerationException;
import dev.rill.RillException;
import dev.rill.StreamToken;
import dev.rill.TextEmbedder;
import dev.rill.TokenCallback;
import dev.rill.reactor.ReactiveModel;
import dev.rill.sampling.Sampler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

class RemoteModelTest {
    private static RemoteFixture fixture;

    @BeforeAll
    static void start() {
        fixture = new RemoteFixture();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    private static List<StreamToken> run(dev.rill.LanguageModel model, GenerationRequest request,
                                         GenerationResult[] result) {
        List<StreamToken> tokens = new CopyOnWriteArrayList<>();
        result[0] = model.generate(request, (token, generation) -> tokens.add(token));
        return tokens;
    }

    @Test
    void aTextPromptGivesTheSameTextFinishReasonAndUsageRemotelyAsInProcess() {
        GenerationRequest request = GenerationRequest.builder("abc").maxTokens(12).build();
        GenerationResult[] local = new GenerationResult[1];
        GenerationResult[] remote = new GenerationResult[1];
        List<StreamToken> localTokens = run(fixture.model, request, local);
        List<StreamToken> remoteTokens = run(fixture.remote, request, remote);

        assertEquals(RemoteFixture.PLUS_ONE.expectedText("abc", 12), remote[0].text());
        assertEquals(local[0].text(), remote[0].text());
        assertEquals(local[0].finishReason(), remote[0].finishReason());
        assertEquals(FinishReason.MAX_TOKENS, remote[0].finishReason());
        assertEquals(local[0].promptTokens(), remote[0].promptTokens());
        assertEquals(local[0].generatedTokens(), remote[0].generatedTokens());
        assertEquals(localTokens.stream().map(StreamToken::text).toList(),
                remoteTokens.stream().map(StreamToken::text).toList());
        StreamToken first = remoteTokens.getFirst();
        assertEquals(-1, first.tokenId(), "without logprobs the server sends no ids");
        assertTrue(Float.isNaN(first.probability()) && Float.isNaN(first.logit()), first.toString());
    }

    @Test
    void aChatWithAlternativesGivesTheSameTokensIdsAndModelProbabilitiesAsInProcess() {
        GenerationRequest request = GenerationRequest.builder(Prompt.chat(List.of(ChatMessage.user("hi"))))
                .maxTokens(8).topAlternatives(3).build();
        GenerationResult[] local = new GenerationResult[1];
        GenerationResult[] remote = new GenerationResult[1];
        List<StreamToken> localTokens = run(fixture.model, request, local);
        List<StreamToken> remoteTokens = run(fixture.remote, request, remote);

        assertEquals(local[0].text(), remote[0].text());
        assertEquals(local[0].finishReason(), remote[0].finishReason());
        assertEquals(local[0].promptTokens(), remote[0].promptTokens());
        assertEquals(local[0].generatedTokens(), remote[0].generatedTokens());
        assertEquals(localTokens.size(), remoteTokens.size());
        for (int i = 0; i < localTokens.size(); i++) {
            StreamToken l = localTokens.get(i);
            StreamToken r = remoteTokens.get(i);
            assertEquals(i, r.index());
            assertEquals(l.tokenId(), r.tokenId(), "token " + i);
            assertEquals(l.text(), r.text(), "token " + i);
            assertEquals(l.alternatives().getFirst().probability(), r.probability(), 1e-4, "token " + i);
            assertEquals(3, r.alternatives().size());
            for (int k = 0; k < 3; k++) {
                assertEquals(l.alternatives().get(k).tokenId(), r.alternatives().get(k).tokenId());
                assertEquals(l.alternatives().get(k).probability(), r.alternatives().get(k).probability(), 1e-4);
            }
            assertTrue(Float.isNaN(r.logit()), "the OpenAI API sends no logits");
        }
    }

    @Test
    void submitChatGivesTheSameAnswerTokensAndIdsRemotelyAsInProcess() {
        GenerationRequest request = GenerationRequest.builder(Prompt.chat(List.of(ChatMessage.user("hi"))))
                .maxTokens(8).topAlternatives(2).build();
        List<ChatToken> localTokens = new CopyOnWriteArrayList<>();
        List<ChatToken> remoteTokens = new CopyOnWriteArrayList<>();
        ChatResult local = fixture.model.chat(request, (token, generation) -> localTokens.add(token));
        ChatResult remote = fixture.remote.chat(request, (token, generation) -> remoteTokens.add(token));

        assertEquals(local.content(), remote.content());
        assertEquals(RemoteFixture.PLUS_ONE.expectedText("hi", 8).length(), remote.content().length());
        assertEquals(local.finishReason(), remote.finishReason());
        assertEquals(local.generation().generatedTokens(), remote.generation().generatedTokens());
        assertEquals(localTokens.stream().map(t -> t.token().tokenId()).toList(),
                remoteTokens.stream().map(t -> t.token().tokenId()).toList());
        assertEquals(localTokens.stream().map(t -> t.delta().content()).toList(),
                remoteTokens.stream().map(t -> t.delta().content()).toList());
        assertTrue(remoteTokens.stream().allMatch(t -> t.channel() == ChatChannel.CONTENT), remoteTokens.toString());
        assertTrue(remote.toolCalls().isEmpty() && remote.reasoning().isEmpty(), remote.toString());
    }

    @Test
    void submitChatWaitsForDemandAndItsParsedResultCancelsTheGeneration() throws Exception {
        GenerationRequest request = GenerationRequest.builder(Prompt.chat(List.of(ChatMessage.user("hi"))))
                .maxTokens(400).build();
        AtomicInteger allowed = new AtomicInteger(3);
        List<ChatToken> tokens = new CopyOnWriteArrayList<>();
        ChatGeneration generation = fixture.remote.submitChat(request, (token, g) -> {
            tokens.add(token);
            allowed.decrementAndGet();
        }, () -> allowed.get() > 0);
        try {
            long deadline = System.nanoTime() + RemoteFixture.PATIENCE.toNanos();
            while (tokens.size() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            Thread.sleep(200);
            assertEquals(3, tokens.size(), "no demand, no tokens");
            assertTrue(generation.chatResult().cancel(false));
            assertEquals(FinishReason.CANCELLED, generation.result().get(30, TimeUnit.SECONDS).finishReason());
            fixture.awaitStats(s -> s.activeSequences() == 0 && s.queuedRequests() == 0, "the slot freed");
        } finally {
            generation.cancel();
        }
        assertThrows(IllegalArgumentException.class, () -> fixture.remote.submitChat(
                GenerationRequest.builder("plain text").build(), ChatCallback.ignore()));
    }

    @Test
    void stopStringsAndSeededSamplingGoToTheServer() {
        GenerationRequest stopped = GenerationRequest.builder("abc").maxTokens(20).stop("gh").build();
        GenerationResult result = fixture.remote.generate(stopped, TokenCallback.ignore());
        assertEquals("def", result.text());
        assertTrue(result.finishReason().isNatural(), result.toString());

        GenerationRequest sampled = GenerationRequest.builder("abc").maxTokens(10)
                .sampler(Sampler.chain().temperature(0.9).topK(5).topP(0.95).build()).seed(7).build();
        GenerationResult local = fixture.model.generate(sampled, TokenCallback.ignore());
        GenerationResult remote = fixture.remote.generate(sampled, TokenCallback.ignore());
        assertEquals(local.text(), remote.text());
        assertEquals(7, remote.seed());
    }

    @Test
    void samplersTheApiCannotCarryAreRefusedBeforeAnythingIsSent() {
        GenerationRequest custom = GenerationRequest.builder("abc")
                .sampler(seed -> logits -> new dev.rill.sampling.TokenChoice(0, 1f)).build();
        assertThrows(IllegalArgumentException.class, () -> fixture.remote.submit(custom, TokenCallback.ignore()));
        GenerationRequest typical = GenerationRequest.builder("abc").sampler(Sampler.typicalP(0.5)).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> fixture.remote.submit(typical, TokenCallback.ignore()));
        assertTrue(e.getMessage().contains("typical"), e.getMessage());
        GenerationRequest repeat = GenerationRequest.builder("abc")
                .sampler(Sampler.chain().penalties(64, 1.1, 0, 0).build()).build();
        assertThrows(IllegalArgumentException.class, () -> fixture.remote.submit(repeat, TokenCallback.ignore()));
    }

    @Test
    void withoutDemandTheStreamPausesAndResumesWhenDemandReturns() throws Exception {
        AtomicInteger wanted = new AtomicInteger(3);
        List<StreamToken> tokens = new CopyOnWriteArrayList<>();
        GenerationRequest request = GenerationRequest.builder("abc").maxTokens(10).build();
        Generation generation = fixture.remote.submit(request, (token, g) -> tokens.add(token),
                () -> tokens.size() < wanted.get());
        long deadline = System.nanoTime() + RemoteFixture.PATIENCE.toNanos();
        while (tokens.size() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        Thread.sleep(200);
        assertEquals(3, tokens.size(), "no token beyond the demand");
        assertFalse(generation.isDone());

        wanted.set(10);
        generation.demandChanged();
        GenerationResult result = generation.await(RemoteFixture.PATIENCE);
        assertEquals(RemoteFixture.PLUS_ONE.expectedText("abc", 10), result.text());
        assertEquals(10, tokens.size());
        assertEquals(FinishReason.MAX_TOKENS, result.finishReason());
    }

    @Test
    void cancellingMidStreamClosesItAndFreesTheServersSlot() throws Exception {
        CountDownLatch fifth = new CountDownLatch(1);
        GenerationRequest request = GenerationRequest.builder("abc").maxTokens(3000).build();
        Generation generation = fixture.remote.submit(request, (token, g) -> {
            if (token.index() == 4) {
                g.cancel();
                fifth.countDown();
            }
        });
        assertTrue(fifth.await(30, TimeUnit.SECONDS));
        GenerationResult result = generation.await(RemoteFixture.PATIENCE);
        assertEquals(FinishReason.CANCELLED, result.finishReason());
        assertEquals(5, result.text().length());
        fixture.awaitStats(s -> s.activeSequences() == 0 && s.queuedRequests() == 0, "the slot freed");
        assertTrue(fixture.model.stats().generatedTokens() < 3000);
    }

    @Test
    void httpFailuresBecomeTheExceptionsOfTheApiNamingStatusAndMessage() {
        PromptTooLongException tooLong = assertThrows(PromptTooLongException.class,
                () -> fixture.remote.submit(GenerationRequest.of("a".repeat(5000)), TokenCallback.ignore()));
        assertTrue(tooLong.promptTokens() > tooLong.limit(), tooLong.getMessage());

        try (RemoteModel wrongKey = RemoteModel.builder().baseUrl(fixture.server.uri().toString()).apiKey("nope")
                .build()) {
            RillException e = assertThrows(RillException.class,
                    () -> wrongKey.submit(GenerationRequest.of("abc"), TokenCallback.ignore()));
            assertTrue(e.getMessage().contains("401"), e.getMessage());
        }
        try (RemoteModel unknown = fixture.builder().adapter("no-such-adapter").build()) {
            RillException e = assertThrows(RillException.class,
                    () -> unknown.generate(GenerationRequest.of("abc"), TokenCallback.ignore()));
            assertTrue(e.getMessage().contains("404"), e.getMessage());
        }
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> fixture.remote.submit(
                GenerationRequest.builder(Prompt.chat(List.of(new ChatMessage("wizard", "hi")))).build(),
                TokenCallback.ignore()));
        assertTrue(bad.getMessage().contains("400"), bad.getMessage());
    }

    @Test
    void aFullQueueIsRejectedGeneration() {
        GenerationRequest hold = GenerationRequest.builder("abc").maxTokens(100).build();
        // The second request may only be queued once the first has its slot: the queue holds one.
        Generation running = fixture.model.submit(hold, TokenCallback.ignore(), () -> false);
        Generation queued = null;
        try {
            fixture.awaitStats(s -> s.activeSequences() == 1 && s.queuedRequests() == 0, "the slot taken");
            queued = fixture.model.submit(hold, TokenCallback.ignore(), () -> false);
            fixture.awaitStats(s -> s.activeSequences() == 1 && s.queuedRequests() == 1, "slot and queue taken");
            RejectedGenerationException e = assertThrows(RejectedGenerationException.class,
                    () -> fixture.remote.submit(GenerationRequest.of("abc"), TokenCallback.ignore()));
            assertTrue(e.getMessage().contains("429"), e.getMessage());
        } finally {
            running.cancel();
            if (queued != null) {
                queued.cancel();
            }
        }
        fixture.awaitStats(s -> s.activeSequences() == 0 && s.queuedRequests() == 0, "an idle engine");
    }

    @Test
    void anAdapterByModelNameOrByLoraListRunsOnTheServer() {
        try (RemoteModel plusTwo = fixture.builder().adapter("plus-two").build();
             RemoteModel byLora = fixture.builder().lora("plus-two", 1.0).build()) {
            String expected = dev.rill.testkit.TestModels.plusTwo().expectedText("abc", 6);
            assertEquals(expected, plusTwo.generate(GenerationRequest.builder("abc").maxTokens(6).build(),
                    TokenCallback.ignore()).text());
            assertEquals(expected, byLora.generate(GenerationRequest.builder("abc").maxTokens(6).build(),
                    TokenCallback.ignore()).text());
        }
    }

    @Test
    void theReactiveViewStreamsARemoteModelStepByStep() {
        ReactiveModel reactive = ReactiveModel.of(fixture.remote);
        StepVerifier.create(reactive.stream(GenerationRequest.builder("abc").maxTokens(6).build())
                        .map(StreamToken::text), 1)
                .expectNext("d")
                .thenRequest(2)
                .expectNext("e", "f")
                .thenRequest(10)
                .expectNext("g", "h", "i")
                .verifyComplete();
        StepVerifier.create(reactive.stream(GenerationRequest.builder("abc").maxTokens(3000).build()), 2)
                .expectNextCount(2)
                .thenCancel()
                .verify(RemoteFixture.PATIENCE);
        fixture.awaitStats(s -> s.activeSequences() == 0, "the cancelled stream's slot freed");
    }

    @Test
    void embeddingsEqualInProcessOnes() {
        List<String> texts = List.of("abc", "hello there");
        try (TextEmbedder local = fixture.model.embedder(EmbeddingOptions.builder().normalize(true).build());
             TextEmbedder remote = fixture.remote.embedder()) {
            float[][] l = local.embed(texts);
            float[][] r = remote.embed(texts);
            assertEquals(l.length, r.length);
            for (int i = 0; i < l.length; i++) {
                assertEquals(l[i].length, r[i].length);
                for (int j = 0; j < l[i].length; j++) {
                    assertEquals(l[i][j], r[i][j], 1e-5, "text " + i + " dimension " + j);
                }
            }
            assertEquals(local.dimensions(), remote.dimensions());
        }
        assertThrows(IllegalArgumentException.class, () -> fixture.remote.embedder(
                EmbeddingOptions.builder().truncate(true).build()));
    }

    @Test
    void infoTellsWhatTheServerListsAndLeavesTheRestUnknown() {
        var info = fixture.remote.info();
        assertEquals("plus-one", info.name().orElseThrow());
        assertEquals(fixture.model.info().architecture(), info.architecture());
        assertEquals(fixture.model.info().vocabularySize(), info.vocabularySize());
        assertEquals(fixture.model.info().contextSize(), info.contextSize());
        assertEquals(null, info.path());
        assertEquals(0, info.layerCount());
    }

    @Test
    void aClosedRemoteModelRefusesAndEndsItsGenerations() throws Exception {
        RemoteModel model = fixture.builder().build();
        CountDownLatch started = new CountDownLatch(1);
        Generation generation = model.submit(GenerationRequest.builder("abc").maxTokens(3000).build(),
                (token, g) -> started.countDown(), () -> started.getCount() > 0);
        assertTrue(started.await(30, TimeUnit.SECONDS));
        model.close();
        assertEquals(FinishReason.MODEL_CLOSED, generation.await(RemoteFixture.PATIENCE).finishReason());
        generation.cancel();
        generation.demandChanged();
        assertEquals(FinishReason.MODEL_CLOSED, generation.await().finishReason(), "cancel after the end changes nothing");
        assertTrue(model.isClosed());
        assertThrows(IllegalStateException.class, () -> model.submit(GenerationRequest.of("abc"),
                TokenCallback.ignore()));
        fixture.awaitStats(s -> s.activeSequences() == 0, "the slot freed");
    }

    @Test
    void aRefusedConnectionIsRetriedThenReported() {
        try (RemoteModel nowhere = RemoteModel.builder().baseUrl("http://127.0.0.1:1").retries(1)
                .connectTimeout(Duration.ofSeconds(2)).build()) {
            RillException e = assertThrows(RillException.class,
                    () -> nowhere.submit(GenerationRequest.of("abc"), TokenCallback.ignore()));
            assertTrue(e.getMessage().contains("127.0.0.1:1"), e.getMessage());
        }
    }
}
