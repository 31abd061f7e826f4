package dev.rill.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rill.ChatCallback;
import dev.rill.ChatDelta;
import dev.rill.ChatMessage;
import dev.rill.ChatResult;
import dev.rill.ChatToken;
import dev.rill.Generation;
import dev.rill.GenerationRequest;
import dev.rill.Model;
import dev.rill.Prompt;
import dev.rill.ToolCall;
import dev.rill.ToolCallDelta;
import dev.rill.ToolChoice;
import dev.rill.ToolDefinition;
import dev.rill.adapters.AdapterRegistry;
import dev.rill.adapters.AdapterSelection;
import dev.rill.sampling.Sampler;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * The one-reply chat of {@code rill --chat --prompt} (and {@code --tools}, {@code --no-think}, {@code --reasoning-budget}):
 * the prompt as a user message, the output parsed into answer, thinking and tool calls. As text, the answer
 * streams to stdout and the thinking to stderr, and each complete call is printed as one JSON line at the end;
 * with {@code --json}, every token is one JSON line with its channel and deltas, and the result is the last line.
 */
final class ChatReplyCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ChatReplyCommand() {
    }

    static int run(CliArguments cli, Model model, AdapterRegistry adapters, AdapterSelection selection,
                   Sampler sampler, String prompt, PrintStream out, PrintStream err) throws IOException {
        Prompt.ChatBuilder chat = Prompt.chatBuilder(cli.system() == null ? List.of(ChatMessage.user(prompt))
                : List.of(ChatMessage.system(cli.system()), ChatMessage.user(prompt)));
        List<ToolDefinition> tools = cli.tools() == null ? List.of() : ChatFiles.tools(cli.tools());
        if (!tools.isEmpty()) {
            chat.tools(tools);
        }
        boolean templateReadsThinking = model.info().chatTemplate().map(t -> t.contains("enable_thinking")).orElse(false);
        if (cli.noThink() && templateReadsThinking) {
            chat.variable("enable_thinking", false);
        }
        GenerationRequest.Builder request = GenerationRequest.builder(chat.build())
                .maxTokens(cli.maxTokens())
                .sampler(sampler)
                .stop(cli.stops());
        cli.seed().ifPresent(request::seed);
        if (cli.noThink() && !templateReadsThinking) {
            request.reasoningBudget(0);
        } else if (cli.reasoningBudget() >= 0) {
            request.reasoningBudget(cli.reasoningBudget());
        }
        if (cli.toolChoice() != null) {
            request.toolChoice(toolChoice(cli.toolChoice()));
        }
        if (!selection.isEmpty()) {
            request.adapters(adapters.adapterSet(selection));
        }
        ChatCallback printer = printer(cli, out, err);
        ChatResult result = model.chat(request.build(), printer);
        printResult(cli, result, out, err);
        return 0;
    }

    /** {@code --tool-choice}: auto, none, required, or a tool's name. */
    static ToolChoice toolChoice(String choice) {
        return switch (choice) {
            case "auto" -> ToolChoice.auto();
            case "none" -> ToolChoice.none();
            case "required" -> ToolChoice.required();
            default -> ToolChoice.named(choice);
        };
    }

    /** Prints each token: with {@code --json} as a JSON line, else the answer to {@code out}, thinking to {@code err}. */
    static ChatCallback printer(CliArguments cli, PrintStream out, PrintStream err) {
        return cli.json() ? (token, g) -> out.println(tokenJson(token)) : new ChatCallback() {
            private boolean thinking;

            @Override
            public void onToken(ChatToken token, Generation generation) {
                print(token.delta());
            }

            void print(ChatDelta delta) {
                if (!delta.reasoning().isEmpty()) {
                    if (!thinking) {
                        err.print("[thinking] ");
                        thinking = true;
                    }
                    err.print(delta.reasoning());
                    err.flush();
                }
                if (!delta.content().isEmpty()) {
                    if (thinking) {
                        err.println();
                        thinking = false;
                    }
                    out.print(delta.content());
                    out.flush();
                }
            }
        };
    }

    /** Prints what a reply left: its held-back tail, its calls as JSON lines and a summary, or the result as JSON. */
    static void printResult(CliArguments cli, ChatResult result, PrintStream out, PrintStream err) {
        if (cli.json()) {
            out.println(resultJson(result));
        } else {
            out.print(result.tail().content());
            out.println();
            for (ToolCall call : result.toolCalls()) {
                out.println(callNode(call));
            }
            err.println(RillCli.summary(result.generation()).replace("[" + result.generation().finishReason(),
                    "[" + result.finishReason()));
        }
    }

    static String tokenJson(ChatToken token) {
        ObjectNode node = JSON.createObjectNode();
        node.put("index", token.token().index());
        node.put("id", token.token().tokenId());
        node.put("text", token.token().text());
        node.put("probability", token.token().probability());
        node.put("logit", token.token().logit());
        node.put("eos", token.token().endOfSequence());
        node.put("channel", token.channel().name().toLowerCase(Locale.ROOT));
        delta(node, token.delta());
        return node.toString();
    }

    private static void delta(ObjectNode node, ChatDelta delta) {
        if (!delta.content().isEmpty()) {
            node.put("content", delta.content());
        }
        if (!delta.reasoning().isEmpty()) {
            node.put("reasoning", delta.reasoning());
        }
        if (!delta.toolCalls().isEmpty()) {
            ArrayNode calls = node.putArray("tool_calls");
            for (ToolCallDelta call : delta.toolCalls()) {
                ObjectNode c = calls.addObject();
                c.put("index", call.index());
                if (call.first()) {
                    c.put("id", call.id());
                    c.put("name", call.name());
                }
                c.put("arguments", call.arguments());
            }
        }
    }

    static String resultJson(ChatResult result) {
        ObjectNode node = JSON.createObjectNode();
        ObjectNode generation = (ObjectNode) readTree(RillCli.resultJson(result.generation()));
        node.put("finish_reason", result.finishReason().name());
        node.put("content", result.content());
        node.put("reasoning", result.reasoning());
        ArrayNode calls = node.putArray("tool_calls");
        result.toolCalls().forEach(call -> calls.add(callNode(call)));
        if (!result.tail().isEmpty()) {
            delta(node.putObject("tail"), result.tail());
        }
        generation.remove("finish_reason");
        node.setAll(generation);
        return node.toString();
    }

    private static ObjectNode callNode(ToolCall call) {
        ObjectNode node = JSON.createObjectNode();
        node.put("id", call.id());
        node.put("name", call.name());
        node.set("arguments", readTree(call.arguments()));
        return node;
    }

    private static JsonNode readTree(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
