package dev.rill.server.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
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
 * {@code POST /v1/chat/completions}: the conversation rendered through the model's chat template, generated with
 * the request's sampling fields and adapters, answered as one {@code chat.completion} or streamed as
 * {@code chat.completion.chunk} events ending with {@code data: [DONE]}.
 *
 * <p>The reply's tokens go through an {@link AssistantOutput}, which decides what is content, reasoning and tool
 * calls; today every token is content (tools reach the template, but calls are not parsed out of the reply).
 */
final class ChatCompletions {
    private final ServedModel served;
    private final GenerationRunner runner;

    ChatCompletions(ServedModel served, GenerationRunner runner) {
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
                            .map(result -> exchange.completion(tokens, result.orElse(null))))
                    .flatMap(json -> Responses.json(response, 200, json));
        }
        return run.tokens().switchOnFirst((first, tokens) -> first.isOnError()
                        ? Mono.<Void>error(first.getThrowable())
                        : Responses.sse(response, exchange.events(tokens, run)))
                .then();
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
        final AssistantOutput output = AssistantOutput.plainContent();

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
            request = SamplingParameters.request(body, ChatPrompts.prompt(body), served.model(),
                    logprobs ? Math.max(1, topLogprobs) : 0, "max_completion_tokens", "max_tokens");
        }

        ObjectNode completion(List<StreamToken> tokens, GenerationResult result) {
            List<AssistantOutput.Delta> deltas = new ArrayList<>();
            for (StreamToken token : tokens) {
                deltas.addAll(output.onToken(token));
            }
            deltas.addAll(output.onEnd());
            ObjectNode root = Json.MAPPER.createObjectNode();
            root.put("id", id);
            root.put("object", "chat.completion");
            root.put("created", created);
            root.put("model", model);
            ArrayNode choices = root.putArray("choices");
            ObjectNode choice = choices.addObject();
            choice.put("index", 0);
            choice.set("message", message(deltas));
            if (logprobs) {
                ArrayNode content = choice.putObject("logprobs").putArray("content");
                tokens.forEach(token -> content.add(Logprobs.chatEntry(token, topLogprobs)));
            } else {
                choice.putNull("logprobs");
            }
            choice.put("finish_reason", finishReason(result));
            root.set("usage", usage(result, tokens.size()));
            return root;
        }

        private ObjectNode message(List<AssistantOutput.Delta> deltas) {
            ObjectNode message = Json.MAPPER.createObjectNode();
            message.put("role", "assistant");
            StringBuilder content = new StringBuilder();
            StringBuilder reasoning = new StringBuilder();
            List<ObjectNode> calls = new ArrayList<>();
            for (AssistantOutput.Delta delta : deltas) {
                switch (delta) {
                    case AssistantOutput.Content c -> content.append(c.text());
                    case AssistantOutput.Reasoning r -> reasoning.append(r.text());
                    case AssistantOutput.ToolCallPiece piece -> {
                        while (calls.size() <= piece.index()) {
                            ObjectNode call = Json.MAPPER.createObjectNode();
                            call.put("type", "function");
                            call.putObject("function").put("arguments", "");
                            calls.add(call);
                        }
                        ObjectNode call = calls.get(piece.index());
                        if (piece.id() != null) {
                            call.put("id", piece.id());
                        }
                        ObjectNode function = (ObjectNode) call.get("function");
                        if (piece.name() != null) {
                            function.put("name", piece.name());
                        }
                        if (piece.arguments() != null) {
                            function.put("arguments", function.get("arguments").asText() + piece.arguments());
                        }
                    }
                }
            }
            if (content.isEmpty() && !calls.isEmpty()) {
                message.putNull("content");
            } else {
                message.put("content", content.toString());
            }
            if (!reasoning.isEmpty()) {
                message.put("reasoning_content", reasoning.toString());
            }
            if (!calls.isEmpty()) {
                message.putArray("tool_calls").addAll(calls);
            }
            return message;
        }

        Flux<byte[]> events(Flux<StreamToken> tokens, GenerationRunner.Run run) {
            int[] count = new int[1];
            ObjectNode role = Json.MAPPER.createObjectNode();
            role.put("role", "assistant");
            role.put("content", "");
            Flux<byte[]> body = tokens.handle((token, sink) -> {
                count[0]++;
                List<AssistantOutput.Delta> deltas = output.onToken(token);
                if (deltas.isEmpty() && !logprobs) {
                    return;
                }
                ObjectNode lp = null;
                if (logprobs) {
                    lp = Json.MAPPER.createObjectNode();
                    lp.putArray("content").add(Logprobs.chatEntry(token, topLogprobs));
                }
                sink.next(Responses.event(chunk(delta(deltas), lp, null)));
            });
            Flux<byte[]> tail = Flux.defer(() -> run.result().map(Optional::of).defaultIfEmpty(Optional.empty())
                    .flatMapMany(result -> {
                        List<byte[]> events = new ArrayList<>();
                        List<AssistantOutput.Delta> rest = output.onEnd();
                        if (!rest.isEmpty()) {
                            events.add(Responses.event(chunk(delta(rest), null, null)));
                        }
                        events.add(Responses.event(chunk(Json.MAPPER.createObjectNode(), null,
                                finishReason(result.orElse(null)))));
                        if (includeUsage) {
                            ObjectNode usage = header();
                            usage.putArray("choices");
                            usage.set("usage", usage(result.orElse(null), count[0]));
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

        private String finishReason(GenerationResult result) {
            return output.calledTools() && result != null && result.finishReason().isNatural() ? "tool_calls"
                    : GenerationRunner.finishReason(result);
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

        private ObjectNode delta(List<AssistantOutput.Delta> deltas) {
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
                        function.put("arguments", piece.arguments() == null ? "" : piece.arguments());
                    }
                }
            }
            if (!content.isEmpty()) {
                delta.put("content", content.toString());
            }
            if (!reasoning.isEmpty()) {
                delta.put("reasoning_content", reasoning.toString());
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
