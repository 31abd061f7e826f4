package dev.rill.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.ChatCallback;
import dev.rill.ChatChannel;
import dev.rill.ChatMessage;
import dev.rill.ChatResult;
import dev.rill.ChatToken;
import dev.rill.FinishReason;
import dev.rill.GenerationRequest;
import dev.rill.Model;
import dev.rill.ModelOptions;
import dev.rill.Prompt;
import dev.rill.ToolCall;
import dev.rill.ToolCallDelta;
import dev.rill.ToolDefinition;
import dev.rill.sampling.Sampler;
import dev.rill.server.RillServer;
import dev.rill.testkit.ModelFiles;
import dev.rill.testkit.TestModels;
import dev.rill.testkit.Vocabulary;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * {@code RemoteModel.chat} against {@code rill serve}, which streams core's parsed chat output: a rigged model's
 * tool call and a rigged model's thinking arrive remotely as they come out of {@code Model.chat} in process.
 */
class RemoteChatLiveTest {
    /** Renders the contents and ends the prompt with a newline. */
    private static final String PLAIN = "{% for m in messages %}{{ m['content'] }}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '\\n' }}{% endif %}";
    private static final ToolDefinition WEATHER = new ToolDefinition("get_weather", "The weather",
            "{\"type\": \"object\", \"properties\": {\"unit\": {\"enum\": [\"celsius\", \"fahrenheit\"]}}, "
                    + "\"required\": [\"unit\"]}");
    private static final ToolDefinition TIME = new ToolDefinition("get_time", "The time",
            "{\"type\": \"object\", \"properties\": {\"utc\": {\"type\": \"boolean\"}}, "
                    + "\"required\": [\"utc\"]}");

    private static int b(char c) {
        return Vocabulary.byteToken(c);
    }

    /** Runs {@code request} on {@code file} in process and through a RillServer, and gives both results. */
    private static ChatResult[] both(String fileName, dev.rill.testkit.RiggedModel rigged, GenerationRequest request,
                                     List<ChatToken> remoteTokens) {
        try (Model model = Model.load(ModelFiles.file(fileName, rigged::write),
                ModelOptions.builder().contextSize(2048).parallelSequences(1).threads(1).build());
             RillServer server = RillServer.builder(model).port(0).modelId("rigged").start();
             RemoteModel remote = RemoteModel.builder().baseUrl(server.uri().toString()).model("rigged").build()) {
            ChatResult local = model.chat(request, ChatCallback.ignore());
            ChatResult far = remote.chat(request, (token, generation) -> remoteTokens.add(token));
            return new ChatResult[] {local, far};
        }
    }

    @Test
    void aToolCallMadeOnTheServerArrivesAsItsDeltasAndTheSameCompleteCall() {
        // Llama 3's format (named in a template comment): after the prompt's newline the model opens a call with
        // '{'; the call's grammar writes the tool's name and arguments, and greedy decoding takes the lowest
        // token id among the grammar's choices: get_time with utc false.
        var rigged = TestModels.transition(Map.of(b('\n'), b('{'), b('{'), b('x'), b('}'), b('!')))
                .withChatTemplate("{# <|start_header_id|> \"parameters\" #}" + PLAIN);
        GenerationRequest request = GenerationRequest.builder(Prompt.chatBuilder(List.of(ChatMessage.user("weather?")))
                .tools(List.of(WEATHER, TIME)).build()).maxTokens(200).sampler(Sampler.greedy()).build();
        List<ChatToken> tokens = new CopyOnWriteArrayList<>();
        ChatResult[] results = both("remote-llama3-calls.gguf", rigged, request, tokens);
        ChatResult local = results[0];
        ChatResult remote = results[1];

        assertEquals(1, local.toolCalls().size(), local.toString());
        ToolCall expected = local.toolCalls().getFirst();
        ToolCall call = remote.toolCalls().getFirst();
        assertEquals(1, remote.toolCalls().size(), remote.toString());
        assertEquals(expected.name(), call.name());
        assertEquals(expected.arguments().replace(" ", ""), call.arguments().replace(" ", ""));
        assertFalse(call.id().isBlank());
        assertEquals(FinishReason.TOOL_CALLS, remote.finishReason());
        assertEquals(local.finishReason(), remote.finishReason());
        StringBuilder arguments = new StringBuilder();
        for (ChatToken token : tokens) {
            for (ToolCallDelta delta : token.delta().toolCalls()) {
                assertEquals(0, delta.index());
                if (delta.first()) {
                    assertEquals(call.id(), delta.id());
                    assertEquals("get_time", delta.name());
                }
                arguments.append(delta.arguments());
            }
        }
        assertEquals(call.arguments(), arguments.toString());
        assertTrue(tokens.stream().anyMatch(t -> t.channel() == ChatChannel.TOOL_CALL), tokens.toString());
    }

    @Test
    void theServersReasoningArrivesOnTheReasoningChannelAsInProcess() {
        // The prompt opens the model's thinking; the plus-one model counts "abcd..." until stopped.
        var rigged = TestModels.plusOne().withChatTemplate(
                "{% for m in messages %}{{ m['content'] }}{% endfor %}{{ '<think>\\n' }}");
        GenerationRequest request = GenerationRequest.builder(Prompt.chat(List.of(ChatMessage.user("Hi"))))
                .maxTokens(12).build();
        List<ChatToken> tokens = new CopyOnWriteArrayList<>();
        ChatResult[] results = both("remote-thinks.gguf", rigged, request, tokens);

        assertEquals(results[0].reasoning(), results[1].reasoning());
        assertFalse(results[1].reasoning().isEmpty());
        assertEquals(results[0].content(), results[1].content());
        assertTrue(tokens.stream().allMatch(t -> t.channel() == ChatChannel.REASONING), tokens.toString());
        assertEquals(FinishReason.MAX_TOKENS, results[1].finishReason());
    }
}
