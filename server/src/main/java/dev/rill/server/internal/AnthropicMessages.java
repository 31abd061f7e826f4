package dev.rill.server.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.StreamToken;
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
 * {@code message_stop}). {@code model} and adapters work as in the OpenAI routes. The reply is one text block
 * (tool use and thinking in the reply are not parsed yet).
 */
final class AnthropicMessages {
    private final ServedModel served;
    private final GenerationRunner runner;

    AnthropicMessages(ServedModel served, GenerationRunner runner) {
        this.served = served;
        this.runner = runner;
    }

    /**
     * Reads {@code body} as {@link #handle} does, without generating: the request it builds and its adapters, or a
     * 4xx {@link ApiException}.
     */
    DecodedRequest decode(ObjectNode body) {
        Exchange exchange = new Exchange(body);
        AdapterSelection adapters = served.selection(body);
        return new DecodedRequest(GenerationRunner.build(exchange.request), adapters);
    }

    Mono<Void> handle(ObjectNode body, HttpServerResponse response) {
        Exchange exchange = new Exchange(body);
        AdapterSelection adapters = served.selection(body);
        GenerationRunner.Run run = runner.start(exchange.request, adapters);
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

    private final class Exchange {
        final String id = "msg_" + UUID.randomUUID().toString().replace("-", "");
        final String model;
        final boolean stream;
        final List<String> stops;
        final GenerationRequest.Builder request;

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
            request = SamplingParameters.request(sampling, AnthropicPrompts.prompt(body), served.model(), 0,
                    "max_tokens");
        }

        ObjectNode message(List<StreamToken> tokens, GenerationResult result) {
            StringBuilder text = new StringBuilder();
            tokens.forEach(t -> text.append(t.text()));
            ObjectNode root = start();
            ObjectNode block = root.putArray("content").addObject();
            block.put("type", "text");
            block.put("text", text.toString());
            root.put("stop_reason", stopReason(result));
            root.put("stop_sequence", stopSequence(result));
            ObjectNode usage = root.putObject("usage");
            usage.put("input_tokens", result == null ? 0 : result.promptTokens());
            usage.put("output_tokens", result == null ? tokens.size() : result.generatedTokens());
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

        Flux<byte[]> events(Flux<StreamToken> tokens, GenerationRunner.Run run) {
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
            ObjectNode blockStart = Json.MAPPER.createObjectNode();
            blockStart.put("type", "content_block_start");
            blockStart.put("index", 0);
            ObjectNode emptyBlock = blockStart.putObject("content_block");
            emptyBlock.put("type", "text");
            emptyBlock.put("text", "");
            Flux<byte[]> body = tokens.handle((token, sink) -> {
                count[0]++;
                if (token.text().isEmpty()) {
                    return;
                }
                ObjectNode delta = Json.MAPPER.createObjectNode();
                delta.put("type", "content_block_delta");
                delta.put("index", 0);
                ObjectNode text = delta.putObject("delta");
                text.put("type", "text_delta");
                text.put("text", token.text());
                sink.next(Responses.event("content_block_delta", delta));
            });
            Flux<byte[]> tail = Flux.defer(() -> run.result().map(Optional::of).defaultIfEmpty(Optional.empty())
                    .flatMapMany(found -> {
                        GenerationResult result = found.orElse(null);
                        List<byte[]> events = new ArrayList<>();
                        ObjectNode blockStop = Json.MAPPER.createObjectNode();
                        blockStop.put("type", "content_block_stop");
                        blockStop.put("index", 0);
                        events.add(Responses.event("content_block_stop", blockStop));
                        ObjectNode messageDelta = Json.MAPPER.createObjectNode();
                        messageDelta.put("type", "message_delta");
                        ObjectNode delta = messageDelta.putObject("delta");
                        delta.put("stop_reason", stopReason(result));
                        delta.put("stop_sequence", stopSequence(result));
                        ObjectNode usage = messageDelta.putObject("usage");
                        usage.put("input_tokens", result == null ? 0 : result.promptTokens());
                        usage.put("output_tokens", result == null ? count[0] : result.generatedTokens());
                        events.add(Responses.event("message_delta", messageDelta));
                        ObjectNode stop = Json.MAPPER.createObjectNode();
                        stop.put("type", "message_stop");
                        events.add(Responses.event("message_stop", stop));
                        return Flux.fromIterable(events);
                    }));
            return Flux.just(Responses.event("message_start", messageStart),
                            Responses.event("content_block_start", blockStart))
                    .concatWith(body)
                    .concatWith(tail)
                    .onErrorResume(e -> Flux.just(Responses.event("error", errorBody(ApiErrors.of(e, false)))));
        }

        private static String stopReason(GenerationResult result) {
            if (result == null) {
                return "abort";
            }
            return switch (result.finishReason()) {
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
            if (result != null && result.finishReason() == dev.rill.FinishReason.STOP_STRING && stops.size() == 1) {
                return stops.getFirst();
            }
            return null;
        }
    }
}
