package dev.rill.examples;

import dev.rill.ChatMessage;
import dev.rill.ChatResult;
import dev.rill.Demand;
import dev.rill.ChatSession;
import dev.rill.EngineStats;
import dev.rill.GenerationResult;
import dev.rill.Model;
import dev.rill.ModelOptions;
import dev.rill.RillException;
import dev.rill.TokenCallback;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * {@code rill --chat}: a conversation in the terminal. Each line of input is a user message; the reply streams
 * after it, and the session keeps the conversation's KV cells, so a turn evaluates only its new tokens. Lines
 * that start with {@code /} are commands: {@code /save FILE}, {@code /load FILE}, {@code /reset}, {@code /exit}.
 * Works the same with input piped in.
 */
final class ChatCommand {
    static final String HELP = "commands: /save FILE, /load FILE, /reset, /tool CALL_ID RESULT, /exit";

    private ChatCommand() {
    }

    static int run(CliArguments cli, ModelOptions options, Path modelPath, InputStream in, PrintStream out,
                   PrintStream err) {
        try (Model model = Model.load(modelPath, options)) {
            ChatSession.Builder first = open(cli, model);
            if (cli.system() != null) {
                first.system(cli.system());
            }
            ChatSession session = first.build();
            try {
                if (!cli.json()) {
                    err.println("Chatting with " + model.info().path().getFileName() + "; " + HELP);
                }
                BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                int failures = 0;
                for (String line; (line = lines.readLine()) != null; ) {
                    if (line.isBlank()) {
                        continue;
                    }
                    if (line.startsWith("/tool ")) {
                        // A tool's answer to a call of the last reply: the next turn's message.
                        String[] answer = line.strip().split("\\s+", 3);
                        if (answer.length < 3) {
                            err.println("rill: /tool needs a call id and the result");
                            failures++;
                        } else {
                            failures += turn(cli, model, session, ChatMessage.tool(answer[1], answer[2]), out, err) ? 0 : 1;
                        }
                        continue;
                    }
                    if (line.startsWith("/")) {
                        String[] command = line.strip().split("\\s+", 2);
                        if (command[0].equals("/exit") || command[0].equals("/quit")) {
                            break;
                        }
                        try {
                            session = command(cli, model, session, command[0], command.length > 1 ? command[1] : null, err);
                        } catch (LoadFailed e) {
                            session = e.session;
                            err.println("rill: " + e.getMessage() + " (the conversation goes on as it was)");
                            failures++;
                        } catch (RillException | IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
                            err.println("rill: " + e.getMessage());
                            failures++;
                        }
                        continue;
                    }
                    failures += turn(cli, model, session, ChatMessage.user(line), out, err) ? 0 : 1;
                }
                return failures == 0 ? 0 : 1;
            } finally {
                session.close();
            }
        } catch (IOException e) {
            err.println("rill: cannot read the conversation: " + e.getMessage());
            return 1;
        } catch (RillException | IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
            err.println("rill: " + e.getMessage());
            return 1;
        }
    }

    /** Runs a command; returns the session to go on with. */
    private static ChatSession command(CliArguments cli, Model model, ChatSession session, String name, String argument,
                                       PrintStream err) {
        switch (name) {
            case "/reset" -> {
                session.reset(); // the system message stays
                note(cli, err, "conversation reset");
                return session;
            }
            case "/save" -> {
                session.save(Path.of(file(name, argument)));
                note(cli, err, "saved " + session.messages().size() + " messages to " + argument);
                return session;
            }
            case "/load" -> {
                ChatSession loaded = restore(cli, model, session, Path.of(file(name, argument)));
                note(cli, err, "loaded " + loaded.messages().size() + " messages from " + argument);
                return loaded;
            }
            default -> throw new IllegalArgumentException("unknown command " + name + "; " + HELP);
        }
    }

    private static String file(String command, String argument) {
        if (argument == null) {
            throw new IllegalArgumentException(command + " needs a file");
        }
        return argument;
    }

    /** A builder with the flags' options; a restored session brings its own system message. */
    private static ChatSession.Builder open(CliArguments cli, Model model) {
        ChatSession.Builder builder = ChatSession.builder(model).maxTokens(cli.maxTokens()).sampler(cli.chain())
                .contextPolicy(ChatSession.ContextPolicy.DROP_OLDEST_TURNS);
        cli.stops().forEach(builder::stop);
        cli.seed().ifPresent(builder::seed);
        if (cli.tools() != null) {
            try {
                builder.tools(ChatFiles.tools(cli.tools()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the tools of " + cli.tools() + ": " + e.getMessage(), e);
            }
        }
        if (cli.toolChoice() != null) {
            builder.toolChoice(ChatReplyCommand.toolChoice(cli.toolChoice()));
        }
        boolean templateReadsThinking = model.info().chatTemplate().map(t -> t.contains("enable_thinking")).orElse(false);
        if (cli.noThink() && templateReadsThinking) {
            builder.variable("enable_thinking", false);
        } else if (cli.noThink()) {
            builder.reasoningBudget(0);
        } else if (cli.reasoningBudget() >= 0) {
            builder.reasoningBudget(cli.reasoningBudget());
        }
        return builder;
    }

    /** Whether the replies are parsed into answer, thinking and tool calls: with tools or a thinking flag. */
    private static boolean parsed(CliArguments cli) {
        return cli.tools() != null || cli.noThink() || cli.reasoningBudget() >= 0;
    }

    /**
     * The session of a saved state. A model for one conversation has one slot, so the current session is kept in
     * memory, closed, and put back when the file is refused: a failed /load loses nothing.
     */
    private static ChatSession restore(CliArguments cli, Model model, ChatSession current, Path file) {
        byte[] kept = current.save();
        current.close();
        try {
            return open(cli, model).restore(file);
        } catch (RuntimeException e) {
            ChatSession back = open(cli, model).restore(kept);
            throw new LoadFailed(e.getMessage(), e, back);
        }
    }

    /** A refused /load, with the session that was put back. */
    private static final class LoadFailed extends RillException {
        private static final long serialVersionUID = 1L;
        private final transient ChatSession session;

        LoadFailed(String message, Throwable cause, ChatSession session) {
            super(message, cause);
            this.session = session;
        }
    }

    /** Runs one turn, streaming the reply; false when it failed. */
    private static boolean turn(CliArguments cli, Model model, ChatSession session, ChatMessage message,
                                PrintStream out, PrintStream err) {
        EngineStats before = model.stats();
        if (parsed(cli)) {
            try {
                ChatResult result = session.submitChat(message, ChatReplyCommand.printer(cli, out, err),
                        Demand.unbounded()).awaitChat();
                ChatReplyCommand.printResult(cli, result, out, err);
                return true;
            } catch (RillException | IllegalStateException | IllegalArgumentException e) {
                if (!cli.json()) {
                    out.println();
                }
                err.println("rill: " + e.getMessage());
                return false;
            }
        }
        TokenCallback printer = cli.json() ? (token, g) -> out.println(RillCli.tokenJson(token)) : (token, g) -> {
            out.print(token.text());
            out.flush();
        };
        try {
            GenerationResult result = session.submit(message, printer, Demand.unbounded()).await();
            EngineStats after = model.stats();
            if (cli.json()) {
                out.println(RillCli.resultJson(result));
            } else {
                out.println();
                err.println(RillCli.summary(result) + " [evaluated " + (after.promptTokens() - before.promptTokens())
                        + ", reused " + (after.reusedPromptTokens() - before.reusedPromptTokens()) + " prompt tokens]");
            }
            return true;
        } catch (RillException | IllegalStateException e) {
            if (!cli.json()) {
                out.println();
            }
            err.println("rill: " + e.getMessage());
            return false;
        }
    }

    private static void note(CliArguments cli, PrintStream err, String text) {
        if (!cli.json()) {
            err.println("[" + text + "]");
        }
    }
}
