package dev.rill.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rill.ChatResult;
import dev.rill.ChatToken;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.Prompt;
import dev.rill.ToolCall;
import dev.rill.ToolChoice;
import dev.rill.adapters.AdapterSelection;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerResponse;

/**
 * {@code POST /v1/chat/completions}: the conversation rendered through the model's chat template, generated with
 * the request's sampling fields and adapters, answered as one {@code chat.completion} or streamed as
 * {@code chat.completion.chunk} events ending with {@code data: [DONE]}.
 *
 * <p>Core parses the reply as it streams ({@link dev.rill.reactor.ReactiveModel#streamChat}): the answer goes out
 * as {@code content}, the thinking as {@code reasoning_content}, tool calls as {@code tool_calls} (streamed as
 * OpenAI does: index, id, type and name first, then argument fragments), with {@code finish_reason:
 * "tool_calls"} when the model called tools. {@code tool_choice}, {@code parallel_tool_calls},
 * {@code reasoning_format}, {@code reasoning_budget} / {@code thinking_budget_tokens} map onto core's options.
 */
final class ChatCompletions {
    private final ServedModel served;
    private final GenerationRunner runner;

    ChatCompletions(ServedModel served, GenerationRunner runner) {
        this.served = served;
        this.runner = runner;
    }

    Mono<Void> handle(ObjectNode body, HttpServerResponse response) {
        Exchange exchange = new Exchange(body);
        AdapterSelection adapters = served.selection(body);
        GenerationRunner.ChatRun run = runner.startChat(exchange.request, adapters);
        if (!exchange.stream) {
            return run.tokens().collectList()
                    .flatMap(tokens -> run.result().map(Optional::of).defaultIfEmpty(Optional.empty())
                            .map(result -> exchange.completion(tokens, result.orElse(null))))
                    .flatMap(json -> Responses.json(response, 200, json));
        }
        return run.tokens().switchOnFirst((first, tokens) -> first.isOnError()
                        ? Mono.<Void>error(first.getThrowable())
                        : Responses.sse(response, exchange.events(tokens, run)))
                .then();
    }

    /** {@code tool_choice}: {@code auto}, {@code none}, {@code required} or a named function; null when absent. */
    static ToolChoice toolChoice(JsonNode choice) {
        if (choice == null || choice.isNull()) {
            return null;
        }
        if (choice.isTextual()) {
            return switch (choice.asText()) {
                case "auto" -> ToolChoice.auto();
                case "none" -> ToolChoice.none();
                case "required" -> ToolChoice.required();
                default -> throw ApiException.invalid("tool_choice", "'tool_choice' must be auto, none, required or "
                        + "{\"type\": \"function\", \"function\": {\"name\": ...}}, was '" + choice.asText() + "'");
            };
        }
        JsonNode name = choice.path("function").path("name");
        if (!choice.isObject() || !"function".equals(choice.path("type").asText()) || !name.isTextual()
                || name.asText().isBlank()) {
            throw ApiException.invalid("tool_choice", "'tool_choice' must be auto, none, required or "
                    + "{\"type\": \"function\", \"function\": {\"name\": ...}}, was " + choice);
        }
        return ToolChoice.named(name.asText());
    }

    /** Sets a tool choice on {@code request}, refusing one the prompt's tools cannot satisfy. */
    static void applyToolChoice(GenerationRequest.Builder request, ToolChoice choice, Prompt.Chat prompt) {
        if (choice == null || choice instanceof ToolChoice.None && prompt.tools().isEmpty()) {
            return;
        }
        try {
            request.toolChoice(choice);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("tool_choice", e.getMessage());
        }
    }

    /** llama.cpp's {@code reasoning_budget} (-1: no limit) or {@code thinking_budget_tokens}; -1 when neither. */
    static int reasoningBudget(ObjectNode body) {
        Integer budget = Json.integer(body, "reasoning_budget", -1, Integer.MAX_VALUE);
        if (budget == null) {
            budget = Json.integer(body, "thinking_budget_tokens", 0, Integer.MAX_VALUE);
        }
        return budget == null ? -1 : budget;
    }

    /** One request's parsed fields and the state of its reply. */
    private final class Exchange {
        final String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
        final long created = System.currentTimeMillis() / 1000;
        final String model;
        final boolean stream;
        final boolean includeUsage;
        final boolean logprobs;
        final int topLogprobs;
        final GenerationRequest.Builder request;
        final AssistantOutput output;

        Exchange(ObjectNode body) {
            model = Json.string(body, "model", served.id());
            stream = Json.bool(body, "stream", false);
            ObjectNode streamOptions = body.get("stream_options") instanceof ObjectNode o ? o : null;
            includeUsage = streamOptions != null && Json.bool(streamOptions, "include_usage", false);
            logprobs = Json.bool(body, "logprobs", false);
            Integer top = Json.integer(body, "top_logprobs", 0, 20);
            if (top != null && !logprobs) {
                throw ApiException.invalid("top_logprobs", "'top_logprobs' needs 'logprobs': true");
            }
            topLogprobs = top == null ? 0 : top;
            String reasoningFormat = Json.string(body, "reasoning_format", "auto");
            if (!List.of("auto", "deepseek", "none").contains(reasoningFormat)) {
                throw ApiException.invalid("reasoning_format", "'reasoning_format' must be auto, deepseek (both give "
                        + "reasoning_content) or none (the thinking stays in content), was '" + reasoningFormat + "'");
            }
            ToolChoice choice = toolChoice(body.get("tool_choice"));
            Prompt.Chat prompt = ChatPrompts.prompt(body);
            request = SamplingParameters.request(body, prompt, served.model(),
                    logprobs ? Math.max(1, topLogprobs) : 0, "max_completion_tokens", "max_tokens");
            applyToolChoice(request, choice, prompt);
            int budget = reasoningBudget(body);
            if (budget >= 0) {
                request.reasoningBudget(budget);
            }
            output = new AssistantOutput(reasoningFormat.equals("none"), !Json.bool(body, "parallel_tool_calls", true));
        }

        ObjectNode completion(List<ChatToken> tokens, ChatResult result) {
            AssistantOutput.Reply reply;
            if (result != null) {
                reply = output.reply(result);
            } else {
                List<AssistantOutput.Delta> deltas = new ArrayList<>();
                tokens.forEach(token -> deltas.addAll(output.deltas(token.delta())));
                reply = AssistantOutput.partial(deltas);
            }
            ObjectNode root = Json.MAPPER.createObjectNode();
            root.put("id", id);
            root.put("object", "chat.completion");
            root.put("created", created);
            root.put("model", model);
            ArrayNode choices = root.putArray("choices");
            ObjectNode choice = choices.addObject();
            choice.put("index", 0);
            choice.set("message", message(reply));
            if (logprobs) {
                ArrayNode content = choice.putObject("logprobs").putArray("content");
                tokens.forEach(token -> content.add(Logprobs.chatEntry(token.token(), topLogprobs)));
            } else {
                choice.putNull("logprobs");
            }
            choice.put("finish_reason", finishReason(result));
            root.set("usage", usage(generation(result), tokens.size()));
            return root;
        }

        private static ObjectNode message(AssistantOutput.Reply reply) {
            ObjectNode message = Json.MAPPER.createObjectNode();
            message.put("role", "assistant");
            if (reply.content().isEmpty() && !reply.calls().isEmpty()) {
                message.putNull("content");
            } else {
                message.put("content", reply.content());
            }
            if (!reply.reasoning().isEmpty()) {
                message.put("reasoning_content", reply.reasoning());
            }
            if (!reply.calls().isEmpty()) {
                ArrayNode calls = message.putArray("tool_calls");
                for (ToolCall call : reply.calls()) {
                    ObjectNode node = calls.addObject();
                    node.put("id", call.id());
                    node.put("type", "function");
                    ObjectNode function = node.putObject("function");
                    function.put("name", call.name());
                    function.put("arguments", call.arguments());
                }
            }
            return message;
        }

        Flux<byte[]> events(Flux<ChatToken> tokens, GenerationRunner.ChatRun run) {
            int[] count = new int[1];
            ObjectNode role = Json.MAPPER.createObjectNode();
            role.put("role", "assistant");
            role.put("content", "");
            Flux<byte[]> body = tokens.handle((token, sink) -> {
                count[0]++;
                List<AssistantOutput.Delta> deltas = output.deltas(token.delta());
                if (deltas.isEmpty() && !logprobs) {
                    return;
                }
                ObjectNode lp = null;
                if (logprobs) {
                    lp = Json.MAPPER.createObjectNode();
                    lp.putArray("content").add(Logprobs.chatEntry(token.token(), topLogprobs));
                }
                sink.next(Responses.event(chunk(delta(deltas), lp, null)));
            });
            Flux<byte[]> tail = Flux.defer(() -> run.result().map(Optional::of).defaultIfEmpty(Optional.empty())
                    .flatMapMany(found -> {
                        ChatResult result = found.orElse(null);
                        List<byte[]> events = new ArrayList<>();
                        List<AssistantOutput.Delta> rest = result == null ? List.of() : output.deltas(result.tail());
                        if (!rest.isEmpty()) {
                            events.add(Responses.event(chunk(delta(rest), null, null)));
                        }
                        events.add(Responses.event(chunk(Json.MAPPER.createObjectNode(), null,
                                finishReason(result))));
                        if (includeUsage) {
                            ObjectNode usage = header();
                            usage.putArray("choices");
                            usage.set("usage", usage(generation(result), count[0]));
                            events.add(Responses.event(usage));
                        }
                        events.add(Responses.DONE);
                        return Flux.fromIterable(events);
                    }));
            return Flux.just(Responses.event(chunk(role, null, null)))
                    .concatWith(body)
                    .concatWith(tail)
                    .onErrorResume(e -> Flux.just(Responses.event(ApiErrors.body(ApiErrors.of(e, false))),
                            Responses.DONE));
        }

        private static String finishReason(ChatResult result) {
            return result == null ? GenerationRunner.finishReason((GenerationResult) null)
                    : GenerationRunner.finishReason(result.finishReason());
        }

        private static GenerationResult generation(ChatResult result) {
            return result == null ? null : result.generation();
        }

        private ObjectNode header() {
            ObjectNode root = Json.MAPPER.createObjectNode();
            root.put("id", id);
            root.put("object", "chat.completion.chunk");
            root.put("created", created);
            root.put("model", model);
            return root;
        }

        private ObjectNode chunk(ObjectNode delta, ObjectNode logprobs, String finishReason) {
            ObjectNode root = header();
            ObjectNode choice = root.putArray("choices").addObject();
            choice.put("index", 0);
            choice.set("delta", delta);
            if (logprobs == null) {
                choice.putNull("logprobs");
            } else {
                choice.set("logprobs", logprobs);
            }
            choice.put("finish_reason", finishReason);
            if (includeUsage) {
                root.putNull("usage");
            }
            return root;
        }

        /**
         * A chunk's {@code delta}: {@code reasoning_content}, {@code content}, and {@code tool_calls} as OpenAI
         * streams them: a call's first entry has its index, id, type and name with empty arguments, later entries
         * the index and more argument text.
         */
        private static ObjectNode delta(List<AssistantOutput.Delta> deltas) {
            ObjectNode delta = Json.MAPPER.createObjectNode();
            StringBuilder content = new StringBuilder();
            StringBuilder reasoning = new StringBuilder();
            ArrayNode calls = null;
            for (AssistantOutput.Delta d : deltas) {
                switch (d) {
                    case AssistantOutput.Content c -> content.append(c.text());
                    case AssistantOutput.Reasoning r -> reasoning.append(r.text());
                    case AssistantOutput.ToolCallPiece piece -> {
                        if (calls == null) {
                            calls = delta.putArray("tool_calls");
                        }
                        ObjectNode call = calls.addObject();
                        call.put("index", piece.index());
                        if (piece.id() != null) {
                            call.put("id", piece.id());
                            call.put("type", "function");
                        }
                        ObjectNode function = call.putObject("function");
                        if (piece.name() != null) {
                            function.put("name", piece.name());
                        }
                        function.put("arguments", piece.arguments());
                    }
                }
            }
            if (!reasoning.isEmpty()) {
                delta.put("reasoning_content", reasoning.toString());
            }
            if (!content.isEmpty()) {
                delta.put("content", content.toString());
            }
            return delta;
        }
    }

    /** {@code usage}: counts from the result, or the tokens seen when the engine reported none. */
    static ObjectNode usage(GenerationResult result, int tokensSeen) {
        ObjectNode usage = Json.MAPPER.createObjectNode();
        int prompt = result == null ? 0 : result.promptTokens();
        int completion = result == null ? tokensSeen : result.generatedTokens();
        usage.put("prompt_tokens", prompt);
        usage.put("completion_tokens", completion);
        usage.put("total_tokens", prompt + completion);
        return usage;
    }
}
