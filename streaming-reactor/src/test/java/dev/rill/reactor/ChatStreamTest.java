package dev.rill.reactor;

import static dev.rill.reactor.Fixtures.PATIENCE;
import static dev.rill.reactor.Fixtures.awaitStats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.ChatChannel;
import dev.rill.ChatFormat;
import dev.rill.ChatMessage;
import dev.rill.ChatResult;
import dev.rill.ChatToken;
import dev.rill.FinishReason;
import dev.rill.GenerationRequest;
import dev.rill.Grammar;
import dev.rill.Model;
import dev.rill.Prompt;
import dev.rill.ToolCall;
import dev.rill.ToolChoice;
import dev.rill.ToolDefinition;
import dev.rill.testkit.ModelFiles;
import dev.rill.testkit.TestModels;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/**
 * {@link ReactiveModel#streamChat}: chat tokens with their channels, paced by demand like {@code stream}, with the
 * parsed result at the end; on the rigged plus-one model behind a template that opens a thinking block, and on a
 * model that would say "Hi" but is made to call a tool.
 */
class ChatStreamTest {
    /** Ends the prompt inside a thinking block: the plus-one model then thinks "abcd...". */
    private static final String THINKING = "{% for m in messages %}{{ m['content'] }}{% endfor %}{{ '<think>\\n' }}";
    /** Ends the prompt with a newline, after which the chain model writes "Hi". */
    private static final String PLAIN = "{% for m in messages %}{{ m['content'] }}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '\\n' }}{% endif %}";
    private static final ToolDefinition WEATHER = new ToolDefinition("get_weather", "Current weather.",
            "{\"type\": \"object\", \"properties\": {\"unit\": {\"enum\": [\"celsius\", \"fahrenheit\"]}}, "
                    + "\"required\": [\"unit\"]}");

    private static Model thinking;
    private static Model hi;

    @BeforeAll
    static void load() {
        thinking = Model.load(ModelFiles.file("reactor-chat-thinking.gguf",
                TestModels.plusOne().withChatTemplate(THINKING)::write), Fixtures.options(512, 4).build());
        hi = Model.load(ModelFiles.file("reactor-chat-hi.gguf", TestModels.chain("\nHi").withChatTemplate(PLAIN)::write),
                Fixtures.options(1024, 2).build());
    }

    @AfterAll
    static void close() {
        thinking.close();
        hi.close();
    }

    @AfterEach
    void everySequenceIsReleased() {
        for (Model model : List.of(thinking, hi)) {
            awaitStats(model, s -> s.activeSequences() == 0 && s.queuedRequests() == 0 && s.kvCellsInUse() == 0,
                    "no sequence left behind");
        }
    }

    private static GenerationRequest.Builder question() {
        return GenerationRequest.builder(Prompt.chat(List.of(ChatMessage.user("Q"))));
    }

    @Test
    void requestingOneByOneDecodesOneTokenPerRequestOnItsChannel() {
        // 3 thinking tokens, the 10 of "</think>\n\n" written for the model at the budget, then 2 of answer.
        ChatEnd ended = new ChatEnd();
        long base = thinking.stats().generatedTokens();
        StepVerifier.Step<ChatToken> script = StepVerifier.create(ReactiveModel.of(thinking)
                .streamChat(question().reasoningBudget(3).maxTokens(15).build(), ended), 0).expectSubscription();
        for (int i = 0; i < 3; i++) {
            int index = i;
            script = script.thenRequest(1)
                    .assertNext(t -> {
                        assertEquals(ChatChannel.REASONING, t.channel());
                        assertEquals(String.valueOf((char) ('a' + index)), t.delta().reasoning());
                    })
                    .then(() -> assertEquals(index + 1, thinking.stats().generatedTokens() - base,
                            "without demand, no other token was decoded"));
        }
        script.thenRequest(12).expectNextCount(12).verifyComplete();
        ChatResult result = ended.result();
        assertEquals("abc", result.reasoning());
        assertEquals("ab", result.content());
        assertEquals(FinishReason.MAX_TOKENS, result.finishReason());
        assertEquals(1, ended.calls.get());
    }

    @Test
    void toolCallsFormAsDeltasAndTheResultHasTheCall() {
        ChatEnd ended = new ChatEnd();
        GenerationRequest request = GenerationRequest.builder(Prompt.chatBuilder(List.of(ChatMessage.user("Weather?")))
                        .tools(List.of(WEATHER)).build())
                .chatFormat(ChatFormat.HERMES).toolChoice(ToolChoice.required()).maxTokens(200).build();
        List<ChatToken> tokens = ReactiveModel.of(hi).streamChat(request, ended).limitRate(4).collectList()
                .block(PATIENCE);
        ChatResult result = ended.result();
        assertEquals(FinishReason.TOOL_CALLS, result.finishReason());
        assertEquals(1, result.toolCalls().size(), result.generation().text());
        ToolCall call = result.toolCalls().getFirst();
        assertEquals("get_weather", call.name());
        StringBuilder arguments = new StringBuilder();
        String name = null;
        for (ChatToken token : tokens) {
            for (var delta : token.delta().toolCalls()) {
                assertEquals(0, delta.index());
                if (delta.first()) {
                    name = delta.name();
                    assertEquals(call.id(), delta.id());
                }
                arguments.append(delta.arguments());
            }
        }
        result.tail().toolCalls().forEach(d -> arguments.append(d.arguments()));
        assertEquals("get_weather", name);
        assertEquals(call.arguments(), arguments.toString());
        assertEquals(result.generation().generatedTokens(), tokens.size(), "one item per token");
    }

    @Test
    void cancellingFreesTheSequenceAndReportsTheCancelledResultOnce() {
        ChatEnd ended = new ChatEnd();
        StepVerifier.create(ReactiveModel.of(thinking).streamChat(question().maxTokens(100).build(), ended), 0)
                .thenRequest(4)
                .expectNextCount(4)
                .thenCancel()
                .verify(PATIENCE);
        ChatResult result = ended.result();
        assertEquals(FinishReason.CANCELLED, result.finishReason());
        assertEquals(4, result.generation().generatedTokens(), "no token is decoded without demand");
        assertEquals("abcd", result.reasoning());
        assertEquals(1, ended.calls.get());
    }

    @Test
    void whatSubmitChatRefusesArrivesAsOnErrorAtTheFirstRequest() {
        // Tool calls bring a grammar of their own, so a request with tools cannot also have a Grammar sampler.
        GenerationRequest request = GenerationRequest.builder(Prompt.chatBuilder(List.of(ChatMessage.user("Weather?")))
                        .tools(List.of(WEATHER)).build())
                .sampler(Grammar.fromJsonSchema(hi, "{\"type\": \"object\"}")).build();
        long before = hi.stats().completedGenerations();
        StepVerifier.create(ReactiveModel.of(hi).streamChat(request), 0)
                .expectSubscription()
                .thenRequest(1)
                .expectErrorSatisfies(e -> {
                    assertEquals(IllegalArgumentException.class, e.getClass());
                    assertTrue(e.getMessage().contains("Grammar"), e.getMessage());
                })
                .verify(PATIENCE);
        assertEquals(before, hi.stats().completedGenerations(), "nothing was queued");
    }

    @Test
    void aPromptThatIsNotAChatIsRefusedAtOnce() {
        ReactiveModel reactive = ReactiveModel.of(thinking);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> reactive.streamChat(GenerationRequest.of("abc")));
        assertTrue(e.getMessage().contains("chat prompt"), e.getMessage());
    }

    /** Records the parsed results handed to {@code onEnd}. */
    private static final class ChatEnd implements Consumer<ChatResult> {
        final AtomicInteger calls = new AtomicInteger();
        private final CompletableFuture<ChatResult> first = new CompletableFuture<>();

        @Override
        public void accept(ChatResult result) {
            calls.incrementAndGet();
            first.complete(result);
        }

        ChatResult result() {
            try {
                return first.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                throw new AssertionError("no chat result within " + PATIENCE, e);
            }
        }
    }
}
