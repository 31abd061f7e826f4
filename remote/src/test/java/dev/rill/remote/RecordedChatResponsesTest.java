package dev.rill.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.ChatChannel;
import dev.rill.ChatResult;
import dev.rill.ChatToken;
import dev.rill.FinishReason;
import dev.rill.GenerationResult;
import dev.rill.StreamToken;
import dev.rill.ToolCall;
import dev.rill.ToolCallDelta;
import dev.rill.remote.internal.RemoteGeneration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Chat streams with reasoning and tool calls, written by hand from the documented formats of OpenAI, vLLM and
 * llama.cpp's server, fed to a chat generation in buffers of awkward sizes without a network.
 */
class RecordedChatResponsesTest {
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor();
    private static final int[] SIZES = {1, 7, 61, 100_000};

    @AfterAll
    static void stop() {
        TIMER.shutdownNow();
    }

    private record Replayed(ChatResult result, List<ChatToken> tokens) {
        String streamed(ChatChannel channel) {
            StringBuilder text = new StringBuilder();
            for (ChatToken token : tokens) {
                text.append(channel == ChatChannel.CONTENT ? token.delta().content() : token.delta().reasoning());
            }
            return text.toString();
        }

        /** Each call's deltas joined: its first delta with every argument fragment appended, by index. */
        Map<Integer, ToolCallDelta> streamedCalls() {
            Map<Integer, ToolCallDelta> calls = new TreeMap<>();
            for (ChatToken token : tokens) {
                for (ToolCallDelta delta : token.delta().toolCalls()) {
                    calls.merge(delta.index(), delta, (a, b) -> {
                        assertNull(b.id(), "only the first delta of a call has an id");
                        assertNull(b.name(), "only the first delta of a call has a name");
                        return new ToolCallDelta(a.index(), a.id(), a.name(), a.arguments() + b.arguments());
                    });
                }
            }
            return calls;
        }
    }

    private static Replayed replay(String name, int size, int maxTokens) {
        List<ChatToken> tokens = new CopyOnWriteArrayList<>();
        RemoteGeneration generation = RemoteGeneration.ofChat((token, g) -> tokens.add(token),
                () -> true, Runnable::run, TIMER, Duration.ofSeconds(5), Duration.ofSeconds(5), maxTokens, -1);
        Recordings.replay(name, size, generation);
        return new Replayed(generation.chatResult().join(), tokens);
    }

    @Test
    void openAiParallelToolCallsStreamAsDeltasAndEndAsCompleteCallsWithTheServersIds() {
        for (int size : SIZES) {
            Replayed r = replay("openai-chat-tools.sse", size, 256);
            ChatResult result = r.result();
            assertEquals(List.of(new ToolCall("call_a1", "weather", "{\"city\": \"Paris\"}"),
                    new ToolCall("call_b2", "time", "{\"zone\": \"CET\"}")), result.toolCalls(), "buffers of " + size);
            assertEquals(FinishReason.TOOL_CALLS, result.finishReason());
            assertEquals(FinishReason.TOOL_CALLS, result.generation().finishReason());
            assertEquals("", result.content());
            assertEquals("", result.reasoning());
            assertEquals(82, result.generation().promptTokens());
            assertEquals(31, result.generation().generatedTokens());
            Map<Integer, ToolCallDelta> streamed = r.streamedCalls();
            assertEquals(new ToolCallDelta(0, "call_a1", "weather", "{\"city\": \"Paris\"}"), streamed.get(0));
            assertEquals(new ToolCallDelta(1, "call_b2", "time", "{\"zone\": \"CET\"}"), streamed.get(1));
            assertTrue(r.tokens().stream().allMatch(t -> t.channel() == ChatChannel.TOOL_CALL), r.tokens().toString());
            assertEquals("{\"city\": \"Paris\"}{\"zone\": \"CET\"}", result.generation().text(),
                    "the text is what the tokens carried: the argument text");
            assertEquals(List.of(0, 1, 2, 3, 4, 5), r.tokens().stream().map(t -> t.token().index()).toList());
        }
    }

    @Test
    void llamaCppReasoningContentGoesToTheReasoningChannelAndAFirstFragmentBesideTheNameIsKept() {
        for (int size : SIZES) {
            Replayed r = replay("llamacpp-chat-reasoning-tools.sse", size, 256);
            ChatResult result = r.result();
            assertEquals("The user wants the weather.", result.reasoning(), "buffers of " + size);
            assertEquals("Let me look.", result.content());
            assertEquals(result.reasoning(), r.streamed(ChatChannel.REASONING));
            assertEquals(result.content(), r.streamed(ChatChannel.CONTENT));
            assertEquals(List.of(new ToolCall("Yb3kTq0mW8pZr2xC5vN7aL1sD4fG6hJ9", "weather", "{\"city\":\"Paris\"}")),
                    result.toolCalls());
            assertEquals(FinishReason.TOOL_CALLS, result.finishReason());
            assertEquals(List.of(ChatChannel.REASONING, ChatChannel.REASONING, ChatChannel.CONTENT,
                    ChatChannel.TOOL_CALL, ChatChannel.TOOL_CALL), r.tokens().stream().map(ChatToken::channel).toList());
            ToolCallDelta first = r.tokens().get(3).delta().toolCalls().getFirst();
            assertEquals(new ToolCallDelta(0, "Yb3kTq0mW8pZr2xC5vN7aL1sD4fG6hJ9", "weather", "{\""), first);
            assertEquals(140, result.generation().promptTokens());
            assertEquals(24, result.generation().generatedTokens());
            assertTrue(result.tail().isEmpty());
        }
    }

    @Test
    void vllmReasoningAndArgumentsBesideTheFinishReasonArriveAndACallCutOffByLengthIsLeftOut() {
        for (int size : SIZES) {
            Replayed r = replay("vllm-chat-reasoning-tools.sse", size, 20);
            ChatResult result = r.result();
            assertEquals("Two cities.", result.reasoning(), "buffers of " + size);
            assertEquals("", result.content());
            assertEquals(List.of(new ToolCall("chatcmpl-tool-5e1", "weather", "{\"city\": \"Oslo\"}")),
                    result.toolCalls(), "the second call was cut off");
            assertEquals(FinishReason.MAX_TOKENS, result.finishReason());
            Map<Integer, ToolCallDelta> streamed = r.streamedCalls();
            assertEquals(new ToolCallDelta(1, "chatcmpl-tool-7a2", "weather", "{\"city\": \"Ber"), streamed.get(1),
                    "the cut-off call still streamed its pieces");
            assertEquals(120, result.generation().promptTokens());
        }
    }

    @Test
    void callsWithoutIndexOrIdAreNumberedInOrderAndGivenIds() {
        for (int size : SIZES) {
            Replayed r = replay("noindex-chat-tools.sse", size, 64);
            ChatResult result = r.result();
            assertEquals("Hm.", result.reasoning());
            assertEquals(2, result.toolCalls().size(), "buffers of " + size);
            assertEquals("weather", result.toolCalls().get(0).name());
            assertEquals("{\"city\": \"Rome\"}", result.toolCalls().get(0).arguments());
            assertEquals("time", result.toolCalls().get(1).name());
            assertEquals("{}", result.toolCalls().get(1).arguments());
            String first = result.toolCalls().get(0).id();
            String second = result.toolCalls().get(1).id();
            assertTrue(first.matches("[A-Za-z0-9]{9}") && second.matches("[A-Za-z0-9]{9}") && !first.equals(second),
                    first + " " + second);
            assertEquals(List.of(0, 1), new ArrayList<>(r.streamedCalls().keySet()));
            assertEquals(first, r.streamedCalls().get(0).id());
            assertEquals(FinishReason.TOOL_CALLS, result.finishReason(), "calls and a natural stop are tool calls");
            assertEquals(FinishReason.END_OF_SEQUENCE, result.generation().finishReason());
        }
    }

    @Test
    void aPlainGenerationOfTheSameStreamSeesOnlyTheAnswer() {
        List<StreamToken> tokens = new ArrayList<>();
        RemoteGeneration generation = new RemoteGeneration((token, g) -> tokens.add(token),
                () -> true, Runnable::run, TIMER, Duration.ofSeconds(5), Duration.ofSeconds(5), 256, -1);
        Recordings.replay("llamacpp-chat-reasoning-tools.sse", 13, generation);
        GenerationResult result = generation.result().join();
        assertEquals("Let me look.", result.text());
        assertEquals(List.of("Let me look."), tokens.stream().map(StreamToken::text).toList());
        assertEquals(FinishReason.TOOL_CALLS, result.finishReason());
        ChatResult chat = generation.chatResult().join();
        assertEquals("Let me look.", chat.content());
        assertTrue(chat.toolCalls().isEmpty());
    }
}
