package dev.rill.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.Result;
import dev.rill.langchain4j.AiServicesToolsTest.Weather;
import dev.rill.remote.RemoteModel;
import dev.rill.testkit.RecordedChats;
import dev.rill.testkit.RecordedServer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The LangChain4j models over a {@link RemoteModel} whose server parses reasoning and tool calls: streams written
 * from llama.cpp's server's documented chat format, served over real HTTP by the test kit's {@link RecordedServer}.
 * The tool is the in-process tests' {@link Weather}.
 */
class RemoteToolsTest {
    static final String CALLS_WEATHER = RecordedChats.callsWeather(parameterName());
    static final String ANSWERS_SUN = RecordedChats.ANSWERS_SUN;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String parameterName() {
        try {
            return Weather.class.getDeclaredMethod("weather", String.class).getParameters()[0].getName();
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
    }

    interface Assistant {
        Result<String> chat(String message);
    }

    private static RemoteModel remote(RecordedServer server) {
        return RemoteModel.builder().baseUrl(server.uri().toString()).model("recorded").build();
    }

    @Test
    void anAiServiceRunsTheToolARemoteServerCalledAndSendsItsResultBackUnderTheCallsId() throws Exception {
        Weather weather = new Weather();
        try (RecordedServer server = RecordedServer.start().then(CALLS_WEATHER).then(ANSWERS_SUN);
             RemoteModel model = remote(server)) {
            Assistant assistant = AiServices.builder(Assistant.class)
                    .chatModel(RillChatModel.builder().model(model)
                            .defaultRequestParameters(ChatRequestParameters.builder().maxOutputTokens(100).build())
                            .build())
                    .tools(weather)
                    .build();

            Result<String> result = assistant.chat("What is the weather in Munich?");

            assertEquals(List.of("Munich"), weather.cities);
            assertEquals("SUN", result.content());
            assertEquals(FinishReason.STOP, result.finishReason());
            assertEquals("k3Jd9QzX", result.toolExecutions().getFirst().request().id());

            List<String> requests = server.requests();
            assertEquals(2, requests.size());
            JsonNode first = JSON.readTree(requests.get(0));
            assertEquals("weather", first.at("/tools/0/function/name").asText());
            assertEquals("auto", first.path("tool_choice").asText());
            JsonNode messages = JSON.readTree(requests.get(1)).path("messages");
            JsonNode call = messages.get(1);
            assertEquals("assistant", call.path("role").asText());
            assertEquals("k3Jd9QzX", call.at("/tool_calls/0/id").asText());
            assertEquals("{\"" + parameterName() + "\":\"Munich\"}",
                    call.at("/tool_calls/0/function/arguments").asText());
            JsonNode answer = messages.get(2);
            assertEquals("tool", answer.path("role").asText());
            assertEquals("k3Jd9QzX", answer.path("tool_call_id").asText());
            assertEquals("sunny in Munich", answer.path("content").asText());
        }
    }

    @Test
    void aStreamingModelPassesOnARemoteServersThinkingAndPartialAndCompleteToolCalls() throws Exception {
        try (RecordedServer server = RecordedServer.start().then(CALLS_WEATHER); RemoteModel model = remote(server)) {
            RillStreamingChatModel streaming = RillStreamingChatModel.builder().model(model).build();
            StringBuffer thinking = new StringBuffer();
            List<PartialToolCall> partials = new CopyOnWriteArrayList<>();
            List<CompleteToolCall> completes = new CopyOnWriteArrayList<>();
            CompletableFuture<ChatResponse> done = new CompletableFuture<>();

            streaming.chat(dev.langchain4j.model.chat.request.ChatRequest.builder()
                    .messages(dev.langchain4j.data.message.UserMessage.from("Weather in Munich?"))
                    .toolSpecifications(dev.langchain4j.agent.tool.ToolSpecifications.toolSpecificationsFrom(
                            new Weather()))
                    .build(), new StreamingChatResponseHandler() {
                        @Override
                        public void onPartialResponse(String partialResponse) {
                            done.completeExceptionally(new AssertionError("no answer text: " + partialResponse));
                        }

                        @Override
                        public void onPartialThinking(PartialThinking partialThinking) {
                            thinking.append(partialThinking.text());
                        }

                        @Override
                        public void onPartialToolCall(PartialToolCall partialToolCall) {
                            partials.add(partialToolCall);
                        }

                        @Override
                        public void onCompleteToolCall(CompleteToolCall completeToolCall) {
                            completes.add(completeToolCall);
                        }

                        @Override
                        public void onCompleteResponse(ChatResponse response) {
                            done.complete(response);
                        }

                        @Override
                        public void onError(Throwable error) {
                            done.completeExceptionally(error);
                        }
                    });

            ChatResponse response = done.get(30, TimeUnit.SECONDS);
            assertEquals("Weather, so call it.", thinking.toString());
            assertEquals(List.of("{\"", parameterName() + "\":\"Munich\"}"), partials.stream()
                    .map(PartialToolCall::partialArguments).toList());
            assertTrue(partials.stream().allMatch(p -> p.id().equals("k3Jd9QzX") && p.name().equals("weather")
                    && p.index() == 0), partials.toString());
            ToolExecutionRequest complete = completes.getFirst().toolExecutionRequest();
            assertEquals(1, completes.size());
            assertEquals("k3Jd9QzX", complete.id());
            assertEquals("{\"" + parameterName() + "\":\"Munich\"}", complete.arguments());
            assertEquals(FinishReason.TOOL_EXECUTION, response.finishReason());
            assertEquals("Weather, so call it.", response.aiMessage().thinking());
            assertEquals(List.of(complete), response.aiMessage().toolExecutionRequests());
            assertEquals(60, response.tokenUsage().inputTokenCount());
            assertEquals(17, response.tokenUsage().outputTokenCount());
        }
    }
}
