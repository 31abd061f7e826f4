package dev.rill.benches;

import dev.rill.ChatMessage;
import dev.rill.ChatSession;
import dev.rill.Demand;
import dev.rill.EngineStats;
import dev.rill.Generation;
import dev.rill.GenerationRequest;
import dev.rill.Model;
import dev.rill.ModelOptions;
import dev.rill.Prompt;
import dev.rill.TokenCallback;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What does a chat turn cost with a long history, with and without the KV cells of the earlier turns, and what
 * does restoring a saved conversation cost against evaluating it?
 *
 * <p>A conversation of about {@code history} tokens (alternating user and assistant messages of synthetic words,
 * rendered with ChatML) is set up once per trial. Each invocation of
 * <ul>
 *   <li>{@code session} sends a new user message to a {@link ChatSession} that holds the history's cells and
 *       takes the time to the reply's first token: the turn evaluates the new message only;</li>
 *   <li>{@code full} submits the whole conversation with that message as a plain request, with the prompt
 *       cache off: the time to first token of evaluating everything, as without sessions;</li>
 *   <li>{@code restore} restores the session saved after the history into a new session (the cells put back
 *       without evaluating anything), then closes it.</li>
 * </ul>
 * The ratios {@code session / full} and {@code restore / full} at each history length are the figures of
 * docs/performance.md. Each turn is cancelled at its first token, so the conversation does not grow between
 * invocations; every invocation's message starts with a word of its own, so nothing of it is in the cells.
 * TinyLlama 1.1B's shape with random weights in Q4_0 ({@link SpeedModel#TINYLLAMA_Q4_0}), {@value #THREADS}
 * threads, batch size 512.
 *
 * <pre>
 * java -jar benches/target/benchmarks.jar ChatSessionBenchmark -rf json -rff benches/target/chat-session.json
 * java -jar benches/target/benchmarks.jar ChatSessionBenchmark -p history=500 -f 1 -wi 0 -i 2   # a quick look
 * </pre>
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 1, batchSize = 1)
@Measurement(iterations = 5, batchSize = 1)
@State(Scope.Benchmark)
public class ChatSessionBenchmark {
    static final int THREADS = 2;
    private static final String[] WORDS = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
        "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango"};

    /** Tokens of conversation before the new message. */
    @Param({"500", "1000", "2000"})
    public int history;

    /** {@code session}, {@code full} or {@code restore}; see the class notes. */
    @Param({"session", "full", "restore"})
    public String mode;

    private Model model;
    private List<ChatMessage> conversation;
    private ChatSession session;
    private byte[] saved;
    private int turn;

    @Setup(Level.Trial)
    public void setUp() {
        // Two slots: one a session holds, one for the plain requests of "full" and the restored sessions.
        model = Model.load(SpeedModel.TINYLLAMA_Q4_0.file(), ModelOptions.builder().threads(THREADS)
                .contextSize(2 * 2560).parallelSequences(2).promptCache(false).build());
        conversation = conversation(model, history);
        if (!mode.equals("full")) {
            // More than one token per reply, so that a turn cancelled at its first token ends CANCELLED and
            // leaves the conversation as it was (one token would end it MAX_TOKENS, and the history would grow).
            session = ChatSession.builder(model).history(conversation).maxTokens(8).build();
            session.send(message(0), TokenCallback.ignore()); // evaluates the history into the session's cells
            conversation = session.messages();
            if (mode.equals("restore")) {
                saved = session.save();
                session.close();
                session = null;
            }
        }
    }

    /** Alternating user and assistant messages of words until the rendered conversation has {@code tokens} tokens. */
    static List<ChatMessage> conversation(Model model, int tokens) {
        List<ChatMessage> messages = new ArrayList<>();
        messages.add(ChatMessage.system("You are a helpful assistant."));
        int word = 0;
        while (model.tokenize(model.applyChatTemplate(messages), true, true).length < tokens) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < 40; i++) {
                text.append(WORDS[word++ % WORDS.length]).append(' ');
            }
            messages.add(messages.size() % 2 == 1 ? ChatMessage.user(text.toString().strip())
                    : ChatMessage.assistant(text.toString().strip()));
        }
        if (messages.getLast().role().equals("user")) {
            messages.add(ChatMessage.assistant("Understood."));
        }
        return messages;
    }

    /** A new message, its first word its own so that no cells hold it. */
    private static String message(int n) {
        return "Turn" + n + " please summarise what we said about " + WORDS[n % WORDS.length] + " in one line.";
    }

    @Benchmark
    public Object turn() throws Exception {
        int n = ++turn;
        return switch (mode) {
            case "session" -> firstToken(session.submit(ChatMessage.user(message(n)), cancelAtFirstToken(),
                    Demand.unbounded()));
            case "full" -> {
                List<ChatMessage> messages = new ArrayList<>(conversation);
                messages.add(ChatMessage.user(message(n)));
                yield firstToken(model.submit(GenerationRequest.builder(Prompt.chat(messages)).maxTokens(1).build(),
                        TokenCallback.ignore()));
            }
            case "restore" -> {
                ChatSession restored = ChatSession.builder(model).restore(saved);
                restored.close();
                yield restored;
            }
            default -> throw new IllegalArgumentException("mode must be session, full or restore: " + mode);
        };
    }

    private static TokenCallback cancelAtFirstToken() {
        return (token, generation) -> generation.cancel();
    }

    private static Object firstToken(Generation generation) throws Exception {
        return generation.result().get(10, TimeUnit.MINUTES);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        // The control: what the turns evaluated and reused, so a surprising time can be told from a surprising count.
        EngineStats stats = model.stats();
        System.out.printf(Locale.ROOT, "%n[%s, history %d: %d turns after set-up; %d prompt tokens evaluated and %d "
                + "reused in all, set-up included]%n", mode, history, turn, stats.promptTokens(),
                stats.reusedPromptTokens());
        if (session != null) {
            session.close();
        }
        model.close();
    }
}
