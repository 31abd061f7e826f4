package dev.rill.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.Prompt;
import dev.rill.StreamToken;
import dev.rill.TokenAlternative;
import dev.rill.adapters.AdapterSelection;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerResponse;

/**
 * {@code POST /v1/completions}: a text prompt (a string, a one-string array, or an array of token ids) continued
 * with the request's sampling fields and adapters, answered as one {@code text_completion} or streamed as
 * {@code text_completion} events ending with {@code data: [DONE]}. {@code logprobs} (0 to 5) gives the legacy
 * {@code tokens} / {@code token_logprobs} / {@code top_logprobs} / {@code text_offset} lists. {@code echo},
 * {@code suffix} and {@code best_of} above 1 are refused.
 */
final class Completions {
    private final ServedModel served;
    private final GenerationRunner runner;

    Completions(ServedModel served, GenerationRunner runner) {
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

    private final class Exchange {
        final String id = "cmpl-" + UUID.randomUUID().toString().replace("-", "");
        final long created = System.currentTimeMillis() / 1000;
        final String model;
        final boolean stream;
        final boolean includeUsage;
        final Integer logprobs;
        final GenerationRequest.Builder request;
        int textOffset;

        Exchange(ObjectNode body) {
            model = Json.string(body, "model", served.id());
            stream = Json.bool(body, "stream", false);
            ObjectNode streamOptions = body.get("stream_options") instanceof ObjectNode o ? o : null;
            includeUsage = streamOptions != null && Json.bool(streamOptions, "include_usage", false);
            logprobs = Json.integer(body, "logprobs", 0, 5);
            if (Json.bool(body, "echo", false)) {
                throw ApiException.invalid("echo", "'echo' is not supported");
            }
            if (!Json.absent(body, "suffix")) {
                throw ApiException.invalid("suffix", "'suffix' is not supported");
            }
            Integer bestOf = Json.integer(body, "best_of", 1, Integer.MAX_VALUE);
            if (bestOf != null && bestOf != 1) {
                throw ApiException.invalid("best_of", "only best_of = 1 is supported, was " + bestOf);
            }
            request = SamplingParameters.request(body, prompt(body), served.model(),
                    logprobs == null ? 0 : Math.max(1, logprobs), "max_tokens");
        }

        private Prompt prompt(ObjectNode body) {
            JsonNode prompt = body.get("prompt");
            if (prompt == null || prompt.isNull()) {
                throw ApiException.invalid("prompt", "'prompt' is required");
            }
            if (prompt.isTextual()) {
                return Prompt.text(prompt.asText());
            }
            if (prompt.isArray() && prompt.size() == 1 && prompt.get(0).isTextual()) {
                return Prompt.text(prompt.get(0).asText());
            }
            if (prompt.isArray() && !prompt.isEmpty() && prompt.get(0).isIntegralNumber()) {
                int vocabulary = served.model().info().vocabularySize();
                int[] tokens = new int[prompt.size()];
                for (int i = 0; i < tokens.length; i++) {
                    JsonNode t = prompt.get(i);
                    if (!t.isIntegralNumber() || t.asLong() < 0 || t.asLong() >= vocabulary) {
                        throw ApiException.invalid("prompt", "prompt[" + i + "] must be a token id in [0, "
                                + vocabulary + "), was " + t);
                    }
                    tokens[i] = t.asInt();
                }
                return Prompt.tokens(tokens);
            }
            if (prompt.isArray() && prompt.size() > 1) {
                throw ApiException.invalid("prompt", "only one prompt per request is supported");
            }
            throw ApiException.invalid("prompt", "'prompt' must be a string, an array of one string or an array "
                    + "of token ids");
        }

        ObjectNode completion(List<StreamToken> tokens, GenerationResult result) {
            ObjectNode root = header();
            ObjectNode choice = root.putArray("choices").addObject();
            StringBuilder text = new StringBuilder();
            tokens.forEach(t -> text.append(t.text()));
            choice.put("text", text.toString());
            choice.put("index", 0);
            choice.set("logprobs", logprobs(tokens));
            choice.put("finish_reason", GenerationRunner.finishReason(result));
            root.set("usage", ChatCompletions.usage(result, tokens.size()));
            return root;
        }

        Flux<byte[]> events(Flux<StreamToken> tokens, GenerationRunner.Run run) {
            int[] count = new int[1];
            Flux<byte[]> body = tokens.handle((token, sink) -> {
                count[0]++;
                if (token.text().isEmpty() && logprobs == null) {
                    return;
                }
                sink.next(Responses.event(chunk(token.text(), logprobs(List.of(token)), null)));
            });
            Flux<byte[]> tail = Flux.defer(() -> run.result().map(Optional::of).defaultIfEmpty(Optional.empty())
                    .flatMapMany(result -> {
                        List<byte[]> events = new ArrayList<>();
                        events.add(Responses.event(chunk("", null,
                                GenerationRunner.finishReason(result.orElse(null)))));
                        if (includeUsage) {
                            ObjectNode usage = header();
                            usage.putArray("choices");
                            usage.set("usage", ChatCompletions.usage(result.orElse(null), count[0]));
                            events.add(Responses.event(usage));
                        }
                        events.add(Responses.DONE);
                        return Flux.fromIterable(events);
                    }));
            return body.concatWith(tail)
                    .onErrorResume(e -> Flux.just(Responses.event(ApiErrors.body(ApiErrors.of(e, false))),
                            Responses.DONE));
        }

        private ObjectNode header() {
            ObjectNode root = Json.MAPPER.createObjectNode();
            root.put("id", id);
            root.put("object", "text_completion");
            root.put("created", created);
            root.put("model", model);
            return root;
        }

        private ObjectNode chunk(String text, JsonNode logprobs, String finishReason) {
            ObjectNode root = header();
            ObjectNode choice = root.putArray("choices").addObject();
            choice.put("text", text);
            choice.put("index", 0);
            choice.set("logprobs", logprobs == null ? Json.MAPPER.nullNode() : logprobs);
            choice.put("finish_reason", finishReason);
            if (includeUsage) {
                root.putNull("usage");
            }
            return root;
        }

        /** The legacy log-probability lists of some tokens, or JSON null when they were not asked for. */
        private JsonNode logprobs(List<StreamToken> tokens) {
            if (logprobs == null) {
                return Json.MAPPER.nullNode();
            }
            ObjectNode node = Json.MAPPER.createObjectNode();
            ArrayNode texts = node.putArray("tokens");
            ArrayNode values = node.putArray("token_logprobs");
            ArrayNode tops = node.putArray("top_logprobs");
            ArrayNode offsets = node.putArray("text_offset");
            for (StreamToken token : tokens) {
                texts.add(Logprobs.text(token));
                values.add(Logprobs.chosen(token));
                ObjectNode top = tops.addObject();
                int n = Math.min(logprobs, token.alternatives().size());
                for (int i = 0; i < n; i++) {
                    TokenAlternative alternative = token.alternatives().get(i);
                    top.put(alternative.text(), Math.log(alternative.probability()));
                }
                offsets.add(textOffset);
                textOffset += token.text().length();
            }
            return node;
        }
    }
}
