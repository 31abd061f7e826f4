package dev.rill.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionTokenLogprob;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java SDK against the server, on the plus-one model and its plus-two adapter. */
class OpenAiSdkTest {
    private static final String KEY = "test-key";
    private static ServerFixture fixture;
    private static OpenAIClient client;

    @BeforeAll
    static void start() {
        fixture = ServerFixture.start(2, 512, b -> b.apiKey(KEY));
        client = OpenAIOkHttpClient.builder().baseUrl(fixture.server.uri() + "/v1").apiKey(KEY).maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        fixture.close();
    }

    private static ChatCompletionCreateParams.Builder chat(String model, int maxTokens) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage("Hi").maxCompletionTokens(maxTokens)
                .temperature(0.0);
    }

    @Test
    void chatCompletionReturnsTheRiggedContinuationWithUsageAndLengthFinish() {
        ChatCompletion completion = client.chat().completions().create(chat("plus-one", 8).build());
        ChatCompletion.Choice choice = completion.choices().getFirst();
        assertEquals("abcdefgh", choice.message().content().orElseThrow());
        assertEquals(ChatCompletion.Choice.FinishReason.LENGTH, choice.finishReason());
        var usage = completion.usage().orElseThrow();
        assertEquals(8, usage.completionTokens());
        assertTrue(usage.promptTokens() > 0, "prompt tokens " + usage.promptTokens());
        assertEquals(usage.promptTokens() + 8, usage.totalTokens());
        assertEquals("plus-one", completion.model());
    }

    @Test
    void streamedChatDeliversTheSameTextThenTheFinishReasonAndUsage() {
        ChatCompletionCreateParams params = chat("plus-one", 12)
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        StringBuilder text = new StringBuilder();
        List<String> finishReasons = new ArrayList<>();
        List<Long> completionTokens = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> {
                for (ChatCompletionChunk.Choice choice : chunk.choices()) {
                    choice.delta().content().ifPresent(text::append);
                    choice.finishReason().ifPresent(r -> finishReasons.add(r.asString()));
                }
                chunk.usage().ifPresent(u -> completionTokens.add(u.completionTokens()));
            });
        }
        assertEquals("abcdefghijkl", text.toString());
        assertEquals(List.of("length"), finishReasons);
        assertEquals(List.of(12L), completionTokens);
    }

    @Test
    void stopStringEndsTheReplyWithStopAndIsNotPartOfIt() {
        ChatCompletion completion = client.chat().completions().create(chat("plus-one", 20).stop("e").build());
        assertEquals("abcd", completion.choices().getFirst().message().content().orElseThrow());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, completion.choices().getFirst().finishReason());
    }

    @Test
    void logprobsReportTheModelsProbabilityOfEachTokenAndItsAlternatives() {
        ChatCompletion completion = client.chat().completions().create(chat("plus-one", 4).logprobs(true)
                .topLogprobs(2).build());
        List<ChatCompletionTokenLogprob> content = completion.choices().getFirst().logprobs().orElseThrow()
                .content().orElseThrow();
        double expected = Math.log(ServerFixture.PLUS_ONE.topProbability());
        assertEquals(4, content.size());
        for (int i = 0; i < 4; i++) {
            ChatCompletionTokenLogprob entry = content.get(i);
            assertEquals(String.valueOf((char) ('a' + i)), entry.token());
            assertEquals(expected, entry.logprob(), 1e-4);
            assertEquals(2, entry.topLogprobs().size());
            assertEquals(entry.token(), entry.topLogprobs().getFirst().token());
            assertTrue(entry.topLogprobs().get(1).logprob() < -10, "the runner-up is unlikely");
        }
    }

    @Test
    void streamedLogprobsComeWithEachChunk() {
        ChatCompletionCreateParams params = chat("plus-one", 3).logprobs(true).topLogprobs(1).build();
        List<String> tokens = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(choice -> choice.logprobs()
                    .flatMap(ChatCompletionChunk.Choice.Logprobs::content)
                    .ifPresent(list -> list.forEach(entry -> tokens.add(entry.token())))));
        }
        assertEquals(List.of("a", "b", "c"), tokens);
    }

    @Test
    void anAdapterNamedAsTheModelChangesTheOutput() {
        ChatCompletion completion = client.chat().completions().create(chat("plus-one:plus-two", 5).build());
        assertEquals("acegi", completion.choices().getFirst().message().content().orElseThrow());
    }

    @Test
    void anAdapterGivenInLlamaCppsLoraFieldChangesTheOutput() {
        ChatCompletionCreateParams params = chat("plus-one", 5)
                .putAdditionalBodyProperty("lora", JsonValue.from(List.of(Map.of("id", "plus-two", "scale", 1.0))))
                .build();
        assertEquals("acegi", client.chat().completions().create(params).choices().getFirst().message().content()
                .orElseThrow());
        ChatCompletionCreateParams byIndex = chat("plus-one", 5)
                .putAdditionalBodyProperty("lora", JsonValue.from(List.of(Map.of("id", 0, "scale", 1.0))))
                .build();
        assertEquals("acegi", client.chat().completions().create(byIndex).choices().getFirst().message().content()
                .orElseThrow());
    }

    @Test
    void streamedAdapterRequestsRunBesideBaseRequests() {
        ChatCompletionCreateParams params = chat("plus-one:plus-two", 6).build();
        StringBuilder text = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append)));
        }
        assertEquals("acegik", text.toString());
        assertEquals("abcdef", client.chat().completions().create(chat("plus-one", 6).build()).choices().getFirst()
                .message().content().orElseThrow());
    }

    @Test
    void textCompletionContinuesThePrompt() {
        Completion completion = client.completions().create(CompletionCreateParams.builder().model("plus-one")
                .prompt("abc").maxTokens(5).temperature(0.0).logprobs(1).build());
        assertEquals(ServerFixture.expected("abc", 5), completion.choices().getFirst().text());
        assertEquals("defgh", completion.choices().getFirst().text());
        assertEquals(Completion.class, completion.getClass());
        assertEquals("length", completion.choices().getFirst().finishReason().asString());
        var logprobs = completion.choices().getFirst().logprobs().orElseThrow();
        assertEquals(List.of("d", "e", "f", "g", "h"), logprobs.tokens().orElseThrow());
        assertEquals(5, completion.usage().orElseThrow().completionTokens());
    }

    @Test
    void streamedTextCompletionContinuesThePrompt() {
        StringBuilder text = new StringBuilder();
        try (StreamResponse<Completion> stream = client.completions().createStreaming(CompletionCreateParams.builder()
                .model("plus-one").prompt("xyz}").maxTokens(6).temperature(0.0).build())) {
            stream.stream().forEach(c -> c.choices().forEach(choice -> text.append(choice.text())));
        }
        assertEquals("~ !\"#$", text.toString());
    }

    @Test
    void embeddingsAreUnitVectorsOfTheModelsWidth() {
        CreateEmbeddingResponse response = client.embeddings().create(EmbeddingCreateParams.builder()
                .model("plus-one").inputOfArrayOfStrings(List.of("hello", "world")).build());
        assertEquals(2, response.data().size());
        for (var embedding : response.data()) {
            List<Float> vector = embedding.embedding();
            assertEquals(fixture.model.info().embeddingLength(), vector.size());
            double norm = 0;
            for (float v : vector) {
                norm += v * v;
            }
            assertEquals(1.0, norm, 1e-3);
        }
        assertTrue(response.usage().promptTokens() > 0);
    }

    @Test
    void modelsListTheBaseAndEveryAdapter() {
        List<String> ids = client.models().list().data().stream().map(Model::id).toList();
        assertEquals(List.of("plus-one", "plus-one:plus-two"), ids);
        assertFalse(ids.contains("plus-two"));
    }
}
