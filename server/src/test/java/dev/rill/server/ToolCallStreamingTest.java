package dev.rill.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionNamedToolChoice;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import dev.rill.EngineStats;
import dev.rill.testkit.ModelFiles;
import dev.rill.testkit.TestModels;
import dev.rill.testkit.Vocabulary;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tool calls through {@code /v1/chat/completions}, driven by the official OpenAI Java SDK, on rigged models whose
 * chat templates name a tool-call format (in a Jinja comment, which is enough for the format to be detected):
 * streamed as OpenAI streams them and accumulated by the SDK into the same call as the non-streamed body.
 */
class ToolCallStreamingTest {
    /** Renders the contents and ends the prompt with a newline. */
    private static final String PLAIN = "{% for m in messages %}{{ m['content'] }}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '\\n' }}{% endif %}";
    private static final Map<String, Object> WEATHER_PARAMETERS = Map.of("type", "object",
            "properties", Map.of("unit", Map.of("enum", List.of("celsius", "fahrenheit"))), "required", List.of("unit"));
    private static final Map<String, Object> TIME_PARAMETERS = Map.of("type", "object",
            "properties", Map.of("utc", Map.of("type", "boolean")), "required", List.of("utc"));

    /** Llama 3's format: after the prompt's newline the model writes '{' (a call opens) and, after a '}', '!'. */
    private static ServerFixture llama3;
    /** Mistral's format; the model would say "Hi". */
    private static ServerFixture mistral;
    private static OpenAIClient llama3Client;
    private static OpenAIClient mistralClient;

    private static int b(char c) {
        return Vocabulary.byteToken(c);
    }

    @BeforeAll
    static void start() {
        Path braceThenX = ModelFiles.file("server-llama3-calls.gguf", TestModels.transition(Map.of(b('\n'), b('{'),
                b('{'), b('x'), b('}'), b('!'))).withChatTemplate("{# <|start_header_id|> \"parameters\" #}" + PLAIN)::write);
        Path hi = ModelFiles.file("server-mistral-hi.gguf",
                TestModels.chain("\nHi").withChatTemplate("{# [TOOL_CALLS] #}" + PLAIN)::write);
        llama3 = ServerFixture.serve(braceThenX, ServerFixture.options(2, 1024));
        mistral = ServerFixture.serve(hi, ServerFixture.options(1, 2048));
        llama3Client = client(llama3);
        mistralClient = client(mistral);
    }

    private static OpenAIClient client(ServerFixture fixture) {
        return OpenAIOkHttpClient.builder().baseUrl(fixture.server.uri() + "/v1").apiKey("none").maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        for (OpenAIClient client : new OpenAIClient[] {llama3Client, mistralClient}) {
            if (client != null) {
                client.close();
            }
        }
        for (ServerFixture fixture : new ServerFixture[] {llama3, mistral}) {
            if (fixture != null) {
                fixture.close();
            }
        }
    }

    private static FunctionDefinition function(String name, Map<String, Object> parameters) {
        FunctionParameters.Builder schema = FunctionParameters.builder();
        parameters.forEach((key, value) -> schema.putAdditionalProperty(key, JsonValue.from(value)));
        return FunctionDefinition.builder().name(name).description("A tool.").parameters(schema.build()).build();
    }

    private static ChatCompletionCreateParams.Builder weather() {
        return ChatCompletionCreateParams.builder().model("model").addUserMessage("Weather?").temperature(0.0)
                .maxCompletionTokens(200).seed(7).addFunctionTool(function("get_weather", WEATHER_PARAMETERS))
                .addFunctionTool(function("get_time", TIME_PARAMETERS));
    }

    private static List<ChatCompletionMessageFunctionToolCall> calls(ChatCompletion completion) {
        return completion.choices().getFirst().message().toolCalls().orElse(List.of()).stream()
                .map(call -> call.asFunction()).toList();
    }

    @Test
    void aCallTheModelWritesComesBackAsToolCallsWithTheTextAfterIt() throws Exception {
        ChatCompletion completion = llama3Client.chat().completions().create(weather().build());
        ChatCompletion.Choice choice = completion.choices().getFirst();
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason());
        List<ChatCompletionMessageFunctionToolCall> calls = calls(completion);
        assertEquals(1, calls.size());
        // Among the grammar's choices the rigged model takes the lowest token id: "get_time" < "get_weather".
        assertEquals("get_time", calls.getFirst().function().name());
        assertEquals(Map.of("utc", false), ServerFixture.JSON.readValue(calls.getFirst().function().arguments(),
                Map.class));
        assertFalse(calls.getFirst().id().isBlank());
        assertEquals("!", choice.message().content().orElseThrow(), "after the call the model wrote its '!'");
    }

    @Test
    void streamedCallsAccumulateIntoTheNonStreamedReply() {
        ChatCompletion whole = llama3Client.chat().completions().create(weather().build());
        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        List<ChatCompletionChunk.Choice.Delta.ToolCall> pieces = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = llama3Client.chat().completions()
                .createStreaming(weather().build())) {
            stream.stream().forEach(chunk -> {
                accumulator.accumulate(chunk);
                chunk.choices().forEach(c -> c.delta().toolCalls().ifPresent(pieces::addAll));
            });
        }
        ChatCompletion streamed = accumulator.chatCompletion();
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, streamed.choices().getFirst().finishReason());
        assertEquals(calls(whole), calls(streamed), "the same seed gives the same call, id included");
        assertEquals("!", streamed.choices().getFirst().message().content().orElseThrow());

        // As OpenAI streams them: the first piece names the call, later ones only add argument text.
        var first = pieces.getFirst();
        assertEquals(0, first.index());
        assertEquals(calls(whole).getFirst().id(), first.id().orElseThrow());
        assertEquals("function", first.type().orElseThrow().asString());
        assertEquals("get_time", first.function().orElseThrow().name().orElseThrow());
        assertTrue(pieces.size() > 3, "the arguments arrive in fragments: " + pieces);
        for (var piece : pieces.subList(1, pieces.size())) {
            assertTrue(piece.id().isEmpty() && piece.function().orElseThrow().name().isEmpty(), piece.toString());
        }
    }

    @Test
    void toolChoiceNoneLeavesTheReplyAsText() throws Exception {
        ChatCompletion completion = llama3Client.chat().completions().create(weather()
                .toolChoice(ChatCompletionToolChoiceOption.Auto.NONE).build());
        ChatCompletion.Choice choice = completion.choices().getFirst();
        assertEquals("{x", choice.message().content().orElseThrow());
        assertTrue(choice.message().toolCalls().isEmpty());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, choice.finishReason());
    }

    @Test
    void aNamedToolChoiceCallsThatTool() throws Exception {
        ChatCompletion completion = llama3Client.chat().completions().create(weather()
                .toolChoice(ChatCompletionNamedToolChoice.builder().function(ChatCompletionNamedToolChoice.Function
                        .builder().name("get_weather").build()).build()).build());
        List<ChatCompletionMessageFunctionToolCall> calls = calls(completion);
        assertEquals(1, calls.size());
        assertEquals("get_weather", calls.getFirst().function().name());
        assertEquals(Map.of("unit", "celsius"), ServerFixture.JSON.readValue(calls.getFirst().function().arguments(),
                Map.class));
    }

    @Test
    void aToolChoiceTheToolsCannotMeetIsABadRequest() {
        BadRequestException unknown = assertThrows(BadRequestException.class,
                () -> llama3Client.chat().completions().create(weather().toolChoice(ChatCompletionNamedToolChoice
                        .builder().function(ChatCompletionNamedToolChoice.Function.builder().name("get_stock").build())
                        .build()).build()));
        assertTrue(unknown.getMessage().contains("get_stock"), unknown.getMessage());
        BadRequestException noTools = assertThrows(BadRequestException.class,
                () -> llama3Client.chat().completions().create(ChatCompletionCreateParams.builder().model("model")
                        .addUserMessage("Hi").toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED).build()));
        assertTrue(noTools.getMessage().contains("tool"), noTools.getMessage());
    }

    @Test
    void toolsWithAResponseFormatAreABadRequest() throws Exception {
        HttpResponse<String> response = llama3.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", "
                + "\"content\": \"Weather?\"}], \"tools\": [{\"type\": \"function\", \"function\": {\"name\": "
                + "\"get_weather\"}}], \"response_format\": {\"type\": \"json_object\"}}");
        assertEquals(400, response.statusCode(), response.body());
        assertTrue(response.body().contains("grammar"), response.body());
        llama3.awaitStats(s -> s.activeSequences() == 0 && s.queuedRequests() == 0, "nothing left behind");
    }

    @Test
    void requiredCallsInMistralsArrayAndParallelToolCallsFalseKeepsTheFirst() {
        // Required, the array of calls goes on until the token limit (',' has a lower id than ']').
        ChatCompletion all = mistralClient.chat().completions().create(weather()
                .toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED).build());
        List<ChatCompletionMessageFunctionToolCall> calls = calls(all);
        assertTrue(calls.size() > 1, "several calls: " + calls);
        assertEquals(ChatCompletion.Choice.FinishReason.LENGTH, all.choices().getFirst().finishReason());

        ChatCompletion one = mistralClient.chat().completions().create(weather()
                .toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED).parallelToolCalls(false).build());
        assertEquals(List.of(calls.getFirst()), calls(one), "the same seed, the first call only");

        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        List<Long> indexes = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = mistralClient.chat().completions().createStreaming(weather()
                .toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED).parallelToolCalls(false).build())) {
            stream.stream().forEach(chunk -> {
                accumulator.accumulate(chunk);
                chunk.choices().forEach(c -> c.delta().toolCalls().ifPresent(p -> p.forEach(t -> indexes.add(t.index()))));
            });
        }
        assertTrue(indexes.stream().allMatch(i -> i == 0), "only the first call is streamed: " + indexes);
        assertEquals(List.of(calls.getFirst()), calls(accumulator.chatCompletion()));
    }

    @Test
    void anAssistantToolCallAndTheToolsAnswerInTheHistoryAreAccepted() throws Exception {
        // The template renders contents only, so the reply is the model's own: a call opened by '{'.
        HttpResponse<String> response = llama3.post("/v1/chat/completions", "{\"messages\": ["
                + "{\"role\": \"user\", \"content\": \"Weather?\"}, {\"role\": \"assistant\", \"content\": null, "
                + "\"tool_calls\": [{\"id\": \"c1\", \"type\": \"function\", \"function\": {\"name\": \"get_weather\", "
                + "\"arguments\": \"{\\\"unit\\\": \\\"celsius\\\"}\"}}]}, {\"role\": \"tool\", \"tool_call_id\": \"c1\", "
                + "\"content\": \"sunny\"}], \"tools\": [{\"type\": \"function\", \"function\": {\"name\": "
                + "\"get_weather\", \"parameters\": {\"type\": \"object\", \"properties\": {\"unit\": {\"enum\": "
                + "[\"celsius\"]}}, \"required\": [\"unit\"]}}}], \"temperature\": 0}");
        assertEquals(200, response.statusCode(), response.body());
        JsonNode message = ServerFixture.json(response.body()).get("choices").get(0).get("message");
        assertEquals("get_weather", message.get("tool_calls").get(0).get("function").get("name").asText());
        assertEquals("!", message.get("content").asText());
    }

    /** Waits until the engine generates nothing for a second. */
    private static EngineStats awaitStall(ServerFixture fixture) throws InterruptedException {
        long deadline = System.nanoTime() + ServerFixture.PATIENCE.toNanos();
        EngineStats before = fixture.model.stats();
        while (System.nanoTime() < deadline) {
            Thread.sleep(1000);
            EngineStats now = fixture.model.stats();
            if (now.generatedTokens() == before.generatedTokens()) {
                return now;
            }
            before = now;
        }
        throw new AssertionError("the engine never paused: " + before);
    }

    @Test
    void aReaderThatStopsPausesItsCallsAndADisconnectInTheMiddleOfACallFreesTheSlot() throws Exception {
        EngineStats start = mistral.awaitStats(s -> s.activeSequences() == 0, "an idle engine");
        String body = "{\"messages\": [{\"role\": \"user\", \"content\": \"Weather?\"}], \"tools\": [{\"type\": "
                + "\"function\", \"function\": {\"name\": \"get_weather\", \"parameters\": {\"type\": \"object\"}}}], "
                + "\"tool_choice\": \"required\", \"stream\": true, \"max_tokens\": 1900, \"temperature\": 0, "
                // With log probabilities every token has its chunk (a call's name otherwise comes in one), so the
                // stream fills the socket's buffers long before the call array ends.
                + "\"logprobs\": true, \"top_logprobs\": 20}";
        try (RawSseClient client = RawSseClient.post(mistral.server.uri(), "/v1/chat/completions", body, 4096)) {
            assertEquals(200, client.status());
            JsonNode call;
            do {
                call = ServerFixture.json(client.nextData()).get("choices").get(0).get("delta").get("tool_calls");
            } while (call == null);
            assertEquals("get_weather", call.get(0).get("function").get("name").asText());
            // The client reads no more: its socket fills and the engine leaves the sequence out of its steps.
            EngineStats stalled = awaitStall(mistral);
            assertEquals(1, stalled.activeSequences(), "the stalled stream keeps its slot: " + stalled);
            assertTrue(stalled.generatedTokens() - start.generatedTokens() < 1900, "paused mid-array: " + stalled);
        }
        EngineStats freed = mistral.awaitStats(s -> s.activeSequences() == 0
                && s.completedGenerations() == start.completedGenerations() + 1, "the cancelled call's end");
        assertTrue(freed.generatedTokens() - start.generatedTokens() < 1900, "cancelled before its end: " + freed);
        assertEquals(0, freed.queuedRequests());
    }
}
