package dev.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rill.testkit.Architecture;
import dev.rill.testkit.LlamaModel;
import dev.rill.testkit.TestModels;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Chat sessions: cells kept between turns, the context policies, cancel and close. */
class ChatSessionTest {
    static int[] tokenize(Model model, List<ChatMessage> messages) {
        return model.tokenize(model.applyChatTemplate(messages), true, true);
    }

    static int commonPrefix(int[] a, int[] b) {
        int i = 0;
        while (i < Math.min(a.length, b.length) && a[i] == b[i]) {
            i++;
        }
        return i;
    }

    /** Sends a message and returns the ids of the reply's tokens. */
    static int[] turn(ChatSession session, String message) {
        List<Integer> ids = new ArrayList<>();
        session.send(message, (token, generation) -> ids.add(token.tokenId()));
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void secondTurnEvaluatesOnlyTheTokensItsCellsDoNotHold() {
        try (Model model = Model.load(RiggedFiles.plusOneWithChatTemplate(), RiggedFiles.smallOptions(512).build());
             ChatSession session = ChatSession.builder(model).system("You add one.").maxTokens(6).build()) {
            List<ChatMessage> first = List.of(ChatMessage.system("You add one."), ChatMessage.user("abc"));
            int[] firstPrompt = tokenize(model, first);
            EngineStats start = model.stats();
            int[] reply = turn(session, "abc");
            EngineStats afterFirst = model.stats();
            assertEquals(firstPrompt.length, afterFirst.promptTokens() - start.promptTokens(), "turn 1 evaluates it all");
            assertEquals(0, afterFirst.reusedPromptTokens() - start.reusedPromptTokens());

            // The cells hold the first prompt and every reply token but the last (sampled, never fed).
            int[] cells = new int[firstPrompt.length + reply.length - 1];
            System.arraycopy(firstPrompt, 0, cells, 0, firstPrompt.length);
            System.arraycopy(reply, 0, cells, firstPrompt.length, reply.length - 1);
            List<ChatMessage> second = new ArrayList<>(session.messages());
            assertEquals(3, second.size());
            second.add(ChatMessage.user("xyz"));
            int[] secondPrompt = tokenize(model, second);
            int kept = commonPrefix(cells, secondPrompt);
            assertTrue(kept >= firstPrompt.length, "the whole first prompt is kept: " + kept);

            turn(session, "xyz");
            EngineStats afterSecond = model.stats();
            long evaluated = afterSecond.promptTokens() - afterFirst.promptTokens();
            assertEquals(secondPrompt.length - kept, evaluated, "turn 2 evaluates only what the cells lack");
            assertEquals(kept, afterSecond.reusedPromptTokens() - afterFirst.reusedPromptTokens());
            // Beyond the new message, only the reply's last token (sampled, never fed) and the end-of-turn marker the
            // template writes after it: "<|im_end|>\n", 11 tokens in this byte vocabulary.
            int newMessage = tokenize(model, List.of(ChatMessage.user("xyz"))).length;
            assertTrue(evaluated <= newMessage + 12, evaluated + " evaluated for a new message of " + newMessage + " tokens");
        }
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void cachedTurnsGiveTheRepliesOfAFullEvaluationOnARandomWeightModel(Architecture architecture) throws IOException {
        // b4916 runs the Llama architecture only (ArchitecturesTest): the others are the current release's.
        assumeTrue(architecture == Architecture.LLAMA
                || !"b4916".equals(System.getProperty("rill.llama.profile")), "the current release's run");
        Path random = RiggedFiles.newPath("random-" + architecture.name().toLowerCase() + "-chat.gguf");
        TestModels.randomWeights(architecture, architecture.tinyShape(), 11)
                .withChatTemplate(LlamaModel.CHATML_TEMPLATE).write(random);
        String[] messages = {"Hello there", "What is next?", "Tell me more about it", "ok"};
        List<String> cached = new ArrayList<>();
        try (Model model = Model.load(random, RiggedFiles.smallOptions(1024).build());
             ChatSession session = ChatSession.builder(model).system("Be brief.").maxTokens(12).build()) {
            for (String message : messages) {
                cached.add(session.send(message, TokenCallback.ignore()).text());
            }
            assertTrue(model.stats().reusedPromptTokens() > 0);
        }
        try (Model model = Model.load(random, RiggedFiles.smallOptions(1024).promptCache(false).build())) {
            List<ChatMessage> history = new ArrayList<>(List.of(ChatMessage.system("Be brief.")));
            for (int i = 0; i < messages.length; i++) {
                history.add(ChatMessage.user(messages[i]));
                String full = model.generate(GenerationRequest.builder(Prompt.chat(history)).maxTokens(12).build(),
                        TokenCallback.ignore()).text();
                assertEquals(full, cached.get(i), "turn " + (i + 1));
                history.add(ChatMessage.assistant(full));
            }
            assertEquals(0, model.stats().reusedPromptTokens(), "no cache, nothing reused");
        }
    }

    @Test
    void aCancelledTurnLeavesTheConversationAsItWasAndTheSessionUsable() throws Exception {
        try (Model model = Model.load(RiggedFiles.plusOneWithChatTemplate(), RiggedFiles.smallOptions(512).build());
             ChatSession session = ChatSession.builder(model).maxTokens(40).build()) {
            turn(session, "abc");
            List<ChatMessage> before = session.messages();
            GenerationResult cancelled = session.submit(ChatMessage.user("mno"), (token, generation) -> {
                if (token.index() == 2) {
                    generation.cancel();
                }
            }, Demand.unbounded()).await();
            assertEquals(FinishReason.CANCELLED, cancelled.finishReason());
            assertEquals(before, session.messages());
            GenerationResult next = session.send("mno", TokenCallback.ignore());
            assertEquals(FinishReason.MAX_TOKENS, next.finishReason());
            assertEquals(RiggedFiles.PLUS_ONE.expectedText("\n", 40), next.text());
            assertEquals(4, session.messages().size());
        }
    }

    @Test
    void aTurnWaitsForDemandLikeAnyGeneration() throws Exception {
        try (Model model = Model.load(RiggedFiles.plusOneWithChatTemplate(), RiggedFiles.smallOptions(512).build());
             ChatSession session = ChatSession.builder(model).maxTokens(5).build()) {
            AtomicBoolean wanted = new AtomicBoolean();
            List<String> tokens = new ArrayList<>();
            Generation generation = session.submit(ChatMessage.user("abc"), (token, g) -> tokens.add(token.text()),
                    wanted::get);
            Thread.sleep(200);
            assertFalse(generation.isDone());
            assertTrue(tokens.isEmpty(), "no demand, no tokens");
            assertThrows(IllegalStateException.class, () -> session.submit("again", TokenCallback.ignore()),
                    "one turn at a time");
            wanted.set(true);
            generation.demandChanged();
            GenerationResult result = generation.await(Duration.ofSeconds(30));
            assertEquals(5, result.generatedTokens());
            assertEquals(String.join("", tokens), result.text());
        }
    }

    @Test
    void closingTheSessionGivesItsSlotAndCellsBack() throws Exception {
        try (Model model = Model.load(RiggedFiles.plusOneWithChatTemplate(), RiggedFiles.smallOptions(512)
                .promptCache(false).build())) {
            ChatSession session = ChatSession.builder(model).maxTokens(5).build();
            turn(session, "abc");
            assertTrue(model.stats().kvCellsInUse() > 0, "the session keeps its cells between turns");
            assertThrows(IllegalStateException.class, () -> ChatSession.builder(model).build(),
                    "the only slot is held");
            Generation plain = model.submit(GenerationRequest.builder("abc").maxTokens(3).build(), TokenCallback.ignore());
            Thread.sleep(200);
            assertFalse(plain.isDone(), "a plain request waits while a session holds the only slot");
            session.close();
            assertEquals("def", plain.result().get(30, TimeUnit.SECONDS).text());
            assertEquals(0, model.stats().kvCellsInUse());
            assertTrue(session.isClosed());
            assertThrows(IllegalStateException.class, () -> session.send("x", TokenCallback.ignore()));
            session.close(); // idempotent
        }
    }

    @Test
    void closingTheSessionMidTurnCancelsTheTurnAndFreesTheSlot() throws Exception {
        try (Model model = Model.load(RiggedFiles.plusOneWithChatTemplate(), RiggedFiles.smallOptions(512)
                .promptCache(false).build())) {
            ChatSession session = ChatSession.builder(model).maxTokens(50).build();
            turn(session, "abc");
            Generation running = session.submit(ChatMessage.user("xyz"), TokenCallback.ignore(), () -> false);
            Thread.sleep(100);
            session.close();
            assertEquals(FinishReason.CANCELLED, running.await(Duration.ofSeconds(30)).finishReason());
            assertEquals(0, model.stats().kvCellsInUse(), "the session's cells are freed");
            try (ChatSession next = ChatSession.builder(model).maxTokens(3).build()) {
                assertEquals(RiggedFiles.PLUS_ONE.expectedText("\n", 3), next.send("abc", TokenCallback.ignore()).text());
            }
        }
    }

    @Test
    void closingTheModelBreaksTheSession() {
        Model model = Model.load(RiggedFiles.plusOneWithChatTemplate(), RiggedFiles.smallOptions(512).build());
        ChatSession session = ChatSession.builder(model).maxTokens(3).build();
        turn(session, "abc");
        model.close();
        assertTrue(session.isClosed());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> session.send("x", TokenCallback.ignore()));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        session.close();
    }

    @Test
    void refusePolicyRefusesATurnThatDoesNotFitAndKeepsTheConversation() {
        try (Model model = Model.load(RiggedFiles.plusOneWithChatTemplate(), RiggedFiles.smallOptions(256).build());
             ChatSession session = ChatSession.builder(model).system("S").maxTokens(10).build()) {
            turn(session, "a".repeat(100));
            List<ChatMessage> before = session.messages();
            PromptTooLongException e = assertThrows(PromptTooLongException.class,
                    () -> session.send("b".repeat(150), TokenCallback.ignore()));
            assertEquals(255, e.limit());
            assertEquals(before, session.messages());
        }
    }

    @Test
    void dropOldestTurnsPolicyDropsTurnsAfterTheSystemMessageUntilTheTurnFits() {
        try (Model model = Model.load(RiggedFiles.plusOneWithChatTemplate(), RiggedFiles.smallOptions(256).build());
             ChatSession session = ChatSession.builder(model).system("S").maxTokens(10)
                     .contextPolicy(ChatSession.ContextPolicy.DROP_OLDEST_TURNS).build()) {
            for (String message : List.of("a".repeat(60), "b".repeat(60), "c".repeat(60), "d".repeat(60))) {
                GenerationResult result = session.send(message, TokenCallback.ignore());
                assertEquals(FinishReason.MAX_TOKENS, result.finishReason());
                assertEquals(RiggedFiles.PLUS_ONE.expectedText("\n", 10), result.text());
            }
            List<ChatMessage> messages = session.messages();
            assertEquals(ChatMessage.system("S"), messages.getFirst());
            assertEquals(ChatMessage.user("d".repeat(60)), messages.get(messages.size() - 2));
            assertTrue(messages.size() < 9, "older turns were dropped: " + messages.size() + " messages");
            assertTrue(tokenize(model, messages).length <= 256);
            assertThrows(PromptTooLongException.class, () -> session.send("e".repeat(300), TokenCallback.ignore()),
                    "a message that does not fit alone is refused");
        }
    }
}
