package dev.rill.server.internal;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzz target for the server's request decoding: arbitrary bytes as the body of each generating and scoring
 * endpoint (chat completions, completions, Anthropic messages, embeddings, rerank), decoded as the endpoint does
 * before it generates ({@code decode}), against the rigged model with one adapter registered, without a network
 * and without generating. The contract: the body parses to a JSON object or is a 400 {@link ApiException}; each
 * endpoint then gives a decoded request or a 4xx {@link ApiException} with a message, never another exception.
 * Without {@code JAZZER_FUZZ} JUnit runs the seeds ({@code RequestDecodingFuzzTestInputs/requestBodies/}, one valid
 * body per endpoint and field family) and the findings kept there; {@code tools/fuzz requestBodies} fuzzes.
 */
class RequestDecodingFuzzTest {
    /**
     * Loads the model and the classes each endpoint's decoding reaches before the first input, for Jazzer's own
     * driver ({@code tools/fuzz}), which would otherwise count the start-up (instrumenting the server's classes,
     * loading llama.cpp) against the first input's 10 s.
     */
    public static void fuzzerInitialize() {
        warmUp();
    }

    @BeforeAll
    static void warmUp() {
        for (String body : new String[] {
            "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"response_format\":{\"type\":\"json_object\"}}",
            "{\"prompt\":\"a\",\"max_tokens\":2}", "{\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}",
            "{\"input\":\"a\"}", "{\"query\":\"a\",\"documents\":[\"b\"]}", "[]"}) {
            decodeAll(body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    @FuzzTest
    void requestBodies(byte[] bytes) {
        decodeAll(bytes);
    }

    private static void decodeAll(byte[] bytes) {
        ObjectNode body;
        try {
            body = Json.object(bytes);
        } catch (ApiException e) {
            check("the body", e);
            return;
        }
        decode("chat completions", body, DecodingFixture.CHAT::decode);
        decode("completions", body, DecodingFixture.COMPLETIONS::decode);
        decode("messages", body, DecodingFixture.MESSAGES::decode);
        decode("embeddings", body, DecodingFixture.EMBEDDINGS::decode);
        decode("rerank", body, DecodingFixture.RERANKING::decode);
    }

    private static void decode(String endpoint, ObjectNode body, Function<ObjectNode, ?> decoder) {
        Object decoded;
        try {
            decoded = decoder.apply(body.deepCopy());
        } catch (ApiException e) {
            check(endpoint, e);
            return;
        }
        if (decoded == null) {
            throw new AssertionError(endpoint + " decoded " + body + " to null");
        }
    }

    private static void check(String endpoint, ApiException e) {
        if (e.status() < 400 || e.status() >= 500) {
            throw new AssertionError(endpoint + ": a " + e.status() + " for a client's body", e);
        }
        if (e.getMessage() == null || e.getMessage().isBlank()) {
            throw new AssertionError(endpoint + ": a refusal without a reason", e);
        }
    }
}
