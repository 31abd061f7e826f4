package dev.rill.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rill.GenerationRequest;
import dev.rill.Grammar;
import dev.rill.Model;
import dev.rill.Prompt;
import dev.rill.sampling.Sampler;
import dev.rill.sampling.SamplerChain;
import java.util.Iterator;
import java.util.Map;

/**
 * The request fields chat and text completions share, turned into a {@link GenerationRequest.Builder}:
 * {@code max_tokens} / {@code max_completion_tokens}, {@code temperature}, {@code top_p}, llama.cpp's
 * {@code top_k} and {@code min_p}, {@code frequency_penalty}, {@code presence_penalty}, {@code logit_bias},
 * {@code seed}, {@code stop}, {@code n} (1 only) and {@code response_format}.
 *
 * <p>Defaults follow the OpenAI API: temperature 1, top_p 1, no penalties, and as many tokens as the sequence's
 * context holds.
 */
final class SamplingParameters {
    /** The window {@code frequency_penalty} and {@code presence_penalty} look back over. */
    static final int PENALTY_WINDOW = 64;

    private SamplingParameters() {
    }

    /**
     * A builder for {@code prompt} with the body's sampling fields.
     *
     * @param maxTokensFields the fields that give the token limit, first found wins
     * @param alternatives how many alternatives each token must carry (for log probabilities), 0 for none
     */
    static GenerationRequest.Builder request(ObjectNode body, Prompt prompt, Model model, int alternatives,
                                             String... maxTokensFields) {
        Integer n = Json.integer(body, "n", 1, Integer.MAX_VALUE);
        if (n != null && n != 1) {
            throw ApiException.invalid("n", "only n = 1 is supported, was " + n);
        }
        GenerationRequest.Builder request = GenerationRequest.builder(prompt);
        Integer maxTokens = null;
        for (String field : maxTokensFields) {
            maxTokens = Json.integer(body, field, 1, Integer.MAX_VALUE);
            if (maxTokens != null) {
                break;
            }
        }
        request.maxTokens(maxTokens != null ? maxTokens : Math.max(1, model.info().sequenceContextSize()));
        request.stop(Json.strings(body, "stop"));
        Long seed = Json.longValue(body, "seed");
        if (seed != null) {
            request.seed(seed);
        }
        if (alternatives > 0) {
            request.topAlternatives(alternatives);
        }
        request.sampler(sampler(body, model));
        return request;
    }

    private static Sampler sampler(ObjectNode body, Model model) {
        SamplerChain.Builder chain = Sampler.chain();
        Double temperature = Json.number(body, "temperature", 0, 2);
        chain.temperature(temperature == null ? 1.0 : temperature);
        Double topP = Json.number(body, "top_p", 0, 1);
        if (topP != null) {
            if (topP == 0) {
                throw ApiException.invalid("top_p", "'top_p' must be above 0, was 0");
            }
            chain.topP(topP);
        }
        Integer topK = Json.integer(body, "top_k", 0, Integer.MAX_VALUE);
        if (topK != null) {
            chain.topK(topK);
        }
        Double minP = Json.number(body, "min_p", 0, 1);
        if (minP != null && minP > 0) {
            chain.minP(minP);
        }
        Double frequency = Json.number(body, "frequency_penalty", -2, 2);
        Double presence = Json.number(body, "presence_penalty", -2, 2);
        if (frequency != null || presence != null) {
            chain.penalties(PENALTY_WINDOW, 1.0, frequency == null ? 0 : frequency, presence == null ? 0 : presence);
        }
        if (!Json.absent(body, "logit_bias")) {
            JsonNode biases = body.get("logit_bias");
            if (!biases.isObject()) {
                throw ApiException.invalid("logit_bias", "'logit_bias' must map token ids to biases, was " + biases);
            }
            int vocabulary = model.info().vocabularySize();
            for (Iterator<Map.Entry<String, JsonNode>> it = biases.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                int token;
                try {
                    token = Integer.parseInt(entry.getKey());
                } catch (NumberFormatException e) {
                    throw ApiException.invalid("logit_bias", "'logit_bias' keys are token ids, found '"
                            + entry.getKey() + "'");
                }
                if (token < 0 || token >= vocabulary) {
                    throw ApiException.invalid("logit_bias", "token " + token + " is outside the vocabulary of "
                            + vocabulary);
                }
                if (!entry.getValue().isNumber() || Math.abs(entry.getValue().asDouble()) > 100) {
                    throw ApiException.invalid("logit_bias", "a bias must be a number in [-100, 100], was "
                            + entry.getValue());
                }
                chain.logitBias(token, entry.getValue().asDouble());
            }
        }
        SamplerChain built = chain.build();
        Grammar grammar = responseFormat(body, model);
        return grammar == null ? built : grammar.then(built);
    }

    /** The grammar of {@code response_format}, or null for plain text. */
    private static Grammar responseFormat(ObjectNode body, Model model) {
        if (Json.absent(body, "response_format")) {
            return null;
        }
        JsonNode format = body.get("response_format");
        if (!format.isObject()) {
            throw ApiException.invalid("response_format", "'response_format' must be an object, was " + format);
        }
        String type = Json.requiredString(format, "type", "'response_format'");
        return switch (type) {
            case "text" -> null;
            case "json_object" -> grammar(model, "{\"type\": \"object\"}");
            case "json_schema" -> {
                JsonNode spec = format.get("json_schema");
                if (spec == null || !spec.isObject()) {
                    throw ApiException.invalid("response_format", "'response_format' of type json_schema needs a "
                            + "'json_schema' object with a 'schema'");
                }
                JsonNode schema = spec.get("schema");
                if (schema == null || schema.isNull()) {
                    schema = Json.MAPPER.createObjectNode();
                }
                if (!schema.isObject()) {
                    throw ApiException.invalid("response_format", "'json_schema.schema' must be an object, was " + schema);
                }
                yield grammar(model, schema.toString());
            }
            default -> throw ApiException.invalid("response_format", "'response_format.type' must be text, "
                    + "json_object or json_schema, was '" + type + "'");
        };
    }

    private static Grammar grammar(Model model, String schema) {
        try {
            return Grammar.fromJsonSchema(model, schema);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("response_format", "The JSON schema cannot be used: " + e.getMessage());
        }
    }
}
