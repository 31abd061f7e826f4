package dev.rill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.internal.session.SessionState;
import dev.rill.testkit.Architecture;
import dev.rill.testkit.LlamaModel;
import dev.rill.testkit.TestModels;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Saving a chat session and restoring it into another model of the same file; refusing every other state. */
class SessionStateTest {
    private static Path random;
    private static Path otherRandom;

    @BeforeAll
    static void writeModels() throws IOException {
        random = RiggedFiles.newPath("random-llama-state.gguf");
        TestModels.randomWeights(Architecture.LLAMA, Architecture.LLAMA.tinyShape(), 11)
                .withChatTemplate(LlamaModel.CHATML_TEMPLATE).write(random);
        otherRandom = RiggedFiles.newPath("random-llama-state-other.gguf");
        TestModels.randomWeights(Architecture.LLAMA, Architecture.LLAMA.tinyShape(), 12)
                .withChatTemplate(LlamaModel.CHATML_TEMPLATE).write(otherRandom);
    }

    private static ChatSession.Builder chat(Model model) {
        return ChatSession.builder(model).maxTokens(10);
    }

    /** The reply's token ids and the prompt tokens the turn evaluated. */
    record Turn(List<Integer> tokens, long evaluated) {
    }

    static Turn turn(Model model, ChatSession session, String message) {
        List<Integer> ids = new ArrayList<>();
        long before = model.stats().promptTokens();
        session.send(message, (token, generation) -> ids.add(token.tokenId()));
        return new Turn(ids, model.stats().promptTokens() - before);
    }

    @Test
    void aRestoredSessionContinuesWithExactlyTheTokensTheSavedOneWouldHave() {
        byte[] state;
        Turn expected;
        List<ChatMessage> conversation;
        // The saved session runs in the second of two slots, the restored one in the third of three (another KV
        // stream layout on the current release), each beside a session in another slot.
        try (Model model = Model.load(random, RiggedFiles.smallOptions(2048).parallelSequences(2).build());
             ChatSession other = chat(model).system("Another conversation.").build();
             ChatSession session = chat(model).system("Be brief.").build()) {
            turn(model, other, "Something else");
            turn(model, session, "Hello there");
            turn(model, session, "And then?");
            state = session.save();
            conversation = session.messages();
            expected = turn(model, session, "Go on");
        }
        try (Model model = Model.load(random, RiggedFiles.smallOptions(3072).parallelSequences(3).build());
             ChatSession first = chat(model).build();
             ChatSession second = chat(model).build();
             ChatSession restored = chat(model).restore(state)) {
            turn(model, first, "Unrelated");
            assertEquals(conversation, restored.messages());
            long reusedBefore = model.stats().reusedPromptTokens();
            Turn continued = turn(model, restored, "Go on");
            assertEquals(expected.tokens(), continued.tokens());
            assertEquals(expected.evaluated(), continued.evaluated(), "the restored cells serve the turn");
            assertTrue(model.stats().reusedPromptTokens() > reusedBefore);
        }
    }

    @Test
    void aSessionSavedToAFileContinuesInAnotherProcess() throws Exception {
        Path file = RiggedFiles.newPath("session.state");
        Turn expected;
        try (Model model = Model.load(random, RiggedFiles.smallOptions(1024).build());
             ChatSession session = chat(model).system("Be brief.").build()) {
            turn(model, session, "Hello there");
            session.save(file);
            expected = turn(model, session, "Go on");
        }
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-Xmx512m", "-cp", System.getProperty("java.class.path")));
        String profile = System.getProperty("rill.llama.profile");
        if (profile != null) {
            command.add(1, "-Drill.llama.profile=" + profile);
        }
        command.addAll(List.of(RestoredSessionProbe.class.getName(), random.toString(), file.toString(), "Go on"));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), output);
        String last = output.strip().lines().reduce((a, b) -> b).orElse("");
        assertEquals("reply " + expected.tokens(), last, output);
    }

    @Test
    void aStateOfAnotherModelFileIsRefused() {
        byte[] state;
        try (Model model = Model.load(random, RiggedFiles.smallOptions(1024).build());
             ChatSession session = chat(model).build()) {
            turn(model, session, "Hello");
            state = session.save();
        }
        try (Model other = Model.load(otherRandom, RiggedFiles.smallOptions(1024).build())) {
            SessionStateException e = assertThrows(SessionStateException.class, () -> chat(other).restore(state));
            assertTrue(e.getMessage().contains("another model file"), e.getMessage());
            assertEquals(0, other.stats().kvCellsInUse(), "nothing reached the cells");
            try (ChatSession fresh = chat(other).build()) {
                assertTrue(fresh.send("Hello", TokenCallback.ignore()).generatedTokens() >= 1, "the model goes on");
            }
        }
        try (Model rigged = Model.load(RiggedFiles.plusOneWithChatTemplate(), RiggedFiles.smallOptions(512).build())) {
            SessionStateException e = assertThrows(SessionStateException.class, () -> chat(rigged).restore(state));
            assertTrue(e.getMessage().contains("layers"), e.getMessage());
        }
        try (Model f32 = Model.load(random, RiggedFiles.smallOptions(1024).kvCacheType(KvCacheType.F32).build())) {
            SessionStateException e = assertThrows(SessionStateException.class, () -> chat(f32).restore(state));
            assertTrue(e.getMessage().contains("F32"), e.getMessage());
        }
    }

    @Test
    void damagedTruncatedAndForgedStatesAreRefusedAndTheModelGoesOn() {
        try (Model model = Model.load(RiggedFiles.plusOneWithChatTemplate(), RiggedFiles.smallOptions(512)
                .parallelSequences(2).build())) {
            byte[] state;
            try (ChatSession session = chat(model).system("S").build()) {
                session.send("abcdef", TokenCallback.ignore());
                state = session.save();
            }
            SessionState parsed = SessionState.parse(state);
            int cells = parsed.tokens().length;

            List<byte[]> bad = new ArrayList<>();
            bad.add(new byte[0]);
            bad.add("not a state at all".getBytes(StandardCharsets.UTF_8));
            for (int cut : new int[] {10, state.length / 2, state.length - 1}) {
                bad.add(Arrays.copyOf(state, cut));
            }
            byte[] flipped = state.clone();
            flipped[state.length / 2] ^= 0x40;
            bad.add(flipped);
            // Forged, with a valid checksum: only Rill's own checks stand between these and llama.cpp.
            bad.add(forge(parsed, kv -> withInt(kv, 0, Integer.MAX_VALUE), null));          // a huge cell count
            bad.add(forge(parsed, kv -> withInt(kv, 0, cells + 1), null));                  // more cells than tokens
            bad.add(forge(parsed, kv -> withInt(kv, 4, 1), null));                          // cell 0 at position 1
            bad.add(forge(parsed, kv -> withInt(kv, 8, 7), null));                          // a bogus sequence count
            bad.add(forge(parsed, kv -> Arrays.copyOf(kv, kv.length / 2), null));           // the tensor data cut
            bad.add(forge(parsed, UnaryOperator.identity(), Arrays.copyOf(parsed.tokens(), cells - 1)));
            int[] outside = parsed.tokens();
            outside[3] = 1_000_000;
            bad.add(forge(parsed, UnaryOperator.identity(), outside));                      // a token outside the vocabulary
            int[] tooMany = new int[300];
            bad.add(forge(parsed, kv -> withInt(kv, 0, 300), tooMany));                     // more than a sequence holds

            for (int i = 0; i < bad.size(); i++) {
                byte[] candidate = bad.get(i);
                assertThrows(SessionStateException.class, () -> chat(model).restore(candidate), "state " + i);
            }
            try (ChatSession restored = chat(model).restore(state)) {
                GenerationResult reply = restored.send("xyz", TokenCallback.ignore());
                assertEquals(RiggedFiles.PLUS_ONE.expectedText("\n", 10), reply.text());
            }
            // Every refused restore gave its slot back.
            try (ChatSession a = chat(model).build(); ChatSession b = chat(model).build()) {
                assertEquals(0, a.messages().size() + b.messages().size());
            }
        }
    }

    @Test
    void aSessionWithAdaptersCannotBeSavedAndSaysWhy() throws IOException {
        Path adapterFile = RiggedFiles.newPath("state-plus-two-lora.gguf");
        TestModels.plusTwoAdapter().write(adapterFile);
        try (Model model = Model.load(RiggedFiles.plusOneWithChatTemplate(), RiggedFiles.smallOptions(512).build());
             LoraAdapter adapter = model.loadAdapter(adapterFile);
             ChatSession session = chat(model).adapters(AdapterSet.of(adapter, 1f)).build()) {
            session.send("abc", TokenCallback.ignore());
            IllegalStateException e = assertThrows(IllegalStateException.class, session::save);
            assertTrue(e.getMessage().contains("LoRA"), e.getMessage());
        }
    }

    private static byte[] forge(SessionState state, UnaryOperator<byte[]> kv, int[] tokens) {
        return new SessionState(state.identity(), tokens == null ? state.tokens() : tokens, state.messages(),
                kv.apply(state.kv().clone())).toBytes();
    }

    private static byte[] withInt(byte[] bytes, int offset, int value) {
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(offset, value);
        return bytes;
    }

    @Test
    void theStateFormatRoundTrips() {
        SessionState.ModelIdentity identity = new SessionState.ModelIdentity("current", "llama", 260, 2, 64, "F16",
                1234, new byte[32]);
        SessionState state = new SessionState(identity, new int[] {1, 2, 3}, List.of(new SessionState.Message("user",
                "héllo", null, List.of(new SessionState.Call("c1", "f", "{}")))), new byte[] {9, 8, 7});
        SessionState back = SessionState.parse(state.toBytes());
        assertArrayEquals(state.tokens(), back.tokens());
        assertEquals(state.messages(), back.messages());
        assertArrayEquals(state.kv(), back.kv());
        assertEquals(null, identity.mismatch(back.identity()));
    }

    /** Child JVM: restores a saved session and prints the reply's token ids to one more message. */
    static final class RestoredSessionProbe {
        public static void main(String[] args) throws IOException {
            try (Model model = Model.load(Path.of(args[0]), RiggedFiles.smallOptions(1024).build());
                 ChatSession session = chat(model).restore(Path.of(args[1]))) {
                System.out.println("reply " + turn(model, session, args[2]).tokens());
            }
        }
    }
}
