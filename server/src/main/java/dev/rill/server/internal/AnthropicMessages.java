package dev.rill.server.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rill.ChatResult;
import dev.rill.ChatToken;
import dev.rill.FinishReason;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.Prompt;
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
 * {@code POST /v1/messages}, the Anthropic Messages API: the conversation ({@link AnthropicPrompts}) generated
 * with {@code max_tokens}, {@code temperature}, {@code top_p}, {@code top_k} and {@code stop_sequences}, answered
 * as one {@code message} or streamed as Anthropic's named events ({@code message_start},
 * {@code content_block_start}, {@code content_block_delta}, {@code content_block_stop}, {@code message_delta},
 * {@code message_stop}). {@code model} and adapters work as in the OpenAI routes. Core parses the reply as it
 * streams: thinking becomes {@code thinking} blocks, tool calls {@code tool_use} blocks (streamed as
 * {@code input_json_delta}s) with {@code stop_reason: "tool_use"} ({@link AnthropicBlocks}); {@code tool_choice}
 * and {@code thinking} map onto core's tool choice and reasoning budget.
 */
final class AnthropicMessages {
    private final ServedModel served;
    private final GenerationRunner runner;

    AnthropicMessages(ServedModel served, GenerationRunner runner) {
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
                            .map(result -> exchange.message(tokens, result.orElse(null))))
                    .flatMap(json -> Responses.json(response, 200, json));
        }
        return run.tokens().switchOnFirst((first, tokens) -> first.isOnError()
                        ? Mono.<Void>error(first.getThrowable())
                        : Responses.sse(response, exchange.events(tokens, run)))
                .then();
    }

    /** The body of an Anthropic error: {@code {"type": "error", "error": {"type", "message"}}}. */
    static ObjectNode errorBody(ApiException e) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("type", "error");
        ObjectNode error = root.putObject("error");
        error.put("type", switch (e.status()) {
            case 400, 405, 409 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 503 -> "overloaded_error";
            default -> "api_error";
        });
        error.put("message", e.getMessage());
        return root;
    }

    /**
     * {@code tool_choice}: {@code {"type": "auto" | "any" | "tool" (with "name") | "none"}}; null when absent.
     */
    static ToolChoice toolChoice(JsonNode choice) {
        if (choice == null || choice.isNull()) {
            return null;
        }
        String type = choice.isObject() ? choice.path("type").asText() : "";
        return switch (type) {
            case "auto" -> ToolChoice.auto();
            case "any" -> ToolChoice.required();
            case "none" -> ToolChoice.none();
            case "tool" -> {
                JsonNode name = choice.get("name");
                if (name == null || !name.isTextual() || name.asText().isBlank()) {
                    throw ApiException.invalid("tool_choice", "a tool_choice of type tool needs the tool's 'name'");
                }
                yield ToolChoice.named(name.asText());
            }
            default -> throw ApiException.invalid("tool_choice", "'tool_choice' must be {\"type\": \"auto\"}, "
                    + "{\"type\": \"any\"}, {\"type\": \"tool\", \"name\": ...} or {\"type\": \"none\"}, was " + choice);
        };
    }

    /**
     * {@code thinking}: {@code {"type": "enabled", "budget_tokens": n}} limits the thinking to {@code n} tokens,
     * {@code {"type": "disabled"}} closes it at once (a budget of 0); -1 (no limit) for {@code adaptive} or when
     * absent.
     */
    static int reasoningBudget(ObjectNode body) {
        if (Json.absent(body, "thinking")) {
            return -1;
        }
        JsonNode thinking = body.get("thinking");
        String type = thinking.isObject() ? Json.string(thinking, "type", "") : "";
        return switch (type) {
            case "enabled" -> {
                Integer budget = Json.integer(thinking, "budget_tokens", 0, Integer.MAX_VALUE);
                yield budget == null ? -1 : budget;
            }
            case "disabled" -> 0;
            case "adaptive" -> -1;
            default -> throw ApiException.invalid("thinking", "'thinking' must be {\"type\": \"enabled\", "
                    + "\"budget_tokens\": n}, {\"type\": \"adaptive\"} or {\"type\": \"disabled\"}, was " + thinking);
        };
    }

    private final class Exchange {
        final String id = "msg_" + UUID.randomUUID().toString().replace("-", "");
        final String model;
        final boolean stream;
        final List<String> stops;
        final GenerationRequest.Builder request;
        final AssistantOutput output;

        Exchange(ObjectNode body) {
            model = Json.string(body, "model", served.id());
            stream = Json.bool(body, "stream", false);
            stops = Json.strings(body, "stop_sequences");
            ObjectNode sampling = Json.MAPPER.createObjectNode();
            for (String field : new String[] {"max_tokens", "temperature", "top_p", "top_k"}) {
                if (body.has(field)) {
                    sampling.set(field, body.get(field));
                }
            }
            if (body.has("stop_sequences")) {
                sampling.set("stop", body.get("stop_sequences"));
            }
            ToolChoice choice = toolChoice(body.get("tool_choice"));
            Prompt.Chat prompt = AnthropicPrompts.prompt(body);
            request = SamplingParameters.request(sampling, prompt, served.model(), 0, "max_tokens");
            ChatCompletions.applyToolChoice(request, choice, prompt);
            int budget = reasoningBudget(body);
            if (budget >= 0) {
                request.reasoningBudget(budget);
            }
            JsonNode choiceNode = body.get("tool_choice");
            boolean single = choiceNode != null && choiceNode.isObject()
                    && Json.bool(choiceNode, "disable_parallel_tool_use", false);
            output = new AssistantOutput(false, single);
        }

        ObjectNode message(List<ChatToken> tokens, ChatResult result) {
            AssistantOutput.Reply reply;
            if (result != null) {
                reply = output.reply(result);
            } else {
                List<AssistantOutput.Delta> deltas = new ArrayList<>();
                tokens.forEach(token -> deltas.addAll(output.deltas(token.delta())));
                reply = AssistantOutput.partial(deltas);
            }
            GenerationResult generation = result == null ? null : result.generation();
            ObjectNode root = start();
            root.set("content", AnthropicBlocks.content(reply));
            root.put("stop_reason", stopReason(result));
            root.put("stop_sequence", stopSequence(generation));
            ObjectNode usage = root.putObject("usage");
            usage.put("input_tokens", generation == null ? 0 : generation.promptTokens());
            usage.put("output_tokens", generation == null ? tokens.size() : generation.generatedTokens());
            return root;
        }

        private ObjectNode start() {
            ObjectNode root = Json.MAPPER.createObjectNode();
            root.put("id", id);
            root.put("type", "message");
            root.put("role", "assistant");
            root.put("model", model);
            return root;
        }

        Flux<byte[]> events(Flux<ChatToken> tokens, GenerationRunner.ChatRun run) {
            int[] count = new int[1];
            ObjectNode messageStart = Json.MAPPER.createObjectNode();
            messageStart.put("type", "message_start");
            ObjectNode message = start();
            message.putArray("content");
            message.putNull("stop_reason");
            message.putNull("stop_sequence");
            ObjectNode startUsage = message.putObject("usage");
            startUsage.put("input_tokens", 0);
            startUsage.put("output_tokens", 0);
            messageStart.set("message", message);
            AnthropicBlocks blocks = new AnthropicBlocks();
            // One buffer per token (handle, not a flat map), so that demand reaches the engine token by token.
            Flux<byte[]> body = tokens.handle((token, sink) -> {
                count[0]++;
                List<byte[]> events = blocks.events(output.deltas(token.delta()));
                if (!events.isEmpty()) {
                    sink.next(Responses.concat(events));
                }
            });
            Flux<byte[]> tail = Flux.defer(() -> run.result().map(Optional::of).defaultIfEmpty(Optional.empty())
                    .flatMapMany(found -> {
                        ChatResult result = found.orElse(null);
                        GenerationResult generation = result == null ? null : result.generation();
                        List<byte[]> events = new ArrayList<>();
                        if (result != null) {
                            events.addAll(blocks.events(output.deltas(result.tail())));
                        }
                        events.addAll(blocks.end());
                        ObjectNode messageDelta = Json.MAPPER.createObjectNode();
                        messageDelta.put("type", "message_delta");
                        ObjectNode delta = messageDelta.putObject("delta");
                        delta.put("stop_reason", stopReason(result));
                        delta.put("stop_sequence", stopSequence(generation));
                        ObjectNode usage = messageDelta.putObject("usage");
                        usage.put("input_tokens", generation == null ? 0 : generation.promptTokens());
                        usage.put("output_tokens", generation == null ? count[0] : generation.generatedTokens());
                        events.add(Responses.event("message_delta", messageDelta));
                        ObjectNode stop = Json.MAPPER.createObjectNode();
                        stop.put("type", "message_stop");
                        events.add(Responses.event("message_stop", stop));
                        return Flux.fromIterable(events);
                    }));
            return Flux.just(Responses.event("message_start", messageStart))
                    .concatWith(body)
                    .concatWith(tail)
                    .onErrorResume(e -> Flux.just(Responses.event("error", errorBody(ApiErrors.of(e, false)))));
        }

        private static String stopReason(ChatResult result) {
            return result == null ? "abort" : stopReason(result.finishReason());
        }

        private static String stopReason(FinishReason reason) {
            return switch (reason) {
                case END_OF_SEQUENCE -> "end_turn";
                case TOOL_CALLS -> "tool_use";
                case STOP_STRING -> "stop_sequence";
                case MAX_TOKENS, CONTEXT_FULL -> "max_tokens";
                case CANCELLED, MODEL_CLOSED -> "abort";
                case ERROR -> "error";
            };
        }

        /** The stop sequence that ended the reply, when it is known: the request gave just one. */
        private String stopSequence(GenerationResult result) {
            if (result != null && result.finishReason() == FinishReason.STOP_STRING && stops.size() == 1) {
                return stops.getFirst();
            }
            return null;
        }
    }
}
