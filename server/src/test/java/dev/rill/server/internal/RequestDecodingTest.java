package dev.rill.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rill.Prompt;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the request fuzz target's contract stands on: each endpoint's {@code decode} reads a valid body into the
 * request {@code handle} runs, and refuses a malformed one with a 4xx {@link ApiException} naming the field.
 */
class RequestDecodingTest {
    private static ObjectNode body(String json) {
        return Json.object(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aChatBodyDecodesToItsConversationSamplingAndAdapters() {
        DecodedRequest decoded = DecodingFixture.CHAT.decode(body("""
                {"model": "plus-one:plus-two", "messages": [{"role": "user", "content": "abc"}],
                 "max_tokens": 4, "stop": ["x"], "seed": 7}"""));
        assertEquals(4, decoded.request().maxTokens());
        assertEquals(List.of("x"), decoded.request().stopStrings());
        assertTrue(decoded.request().prompt() instanceof Prompt.Chat, decoded.request().prompt().toString());
        assertEquals("plus-two", decoded.adapters().entries().getFirst().name());
    }

    @Test
    void aCompletionBodyOfTokenIdsDecodesToThoseTokens() {
        DecodedRequest decoded = DecodingFixture.COMPLETIONS.decode(body("{\"prompt\": [1, 70, 71], \"max_tokens\": 2}"));
        assertTrue(decoded.request().prompt() instanceof Prompt.Tokens, decoded.request().prompt().toString());
        assertEquals(2, decoded.request().maxTokens());
    }

    @Test
    void embeddingsAndRerankBodiesDecode() {
        Embeddings.Request embed = DecodingFixture.EMBEDDINGS.decode(body("{\"input\": [\"a\", \"b\"], \"encoding_format\": \"base64\"}"));
        assertEquals(List.of("a", "b"), embed.texts());
        assertTrue(embed.base64());
        Reranking.Request rerank = DecodingFixture.RERANKING.decode(body("{\"query\": \"q\", \"documents\": [\"a\"], \"top_n\": 1}"));
        assertEquals(List.of("a"), rerank.documents());
    }

    @Test
    void malformedBodiesAre4xxNamingTheField() {
        var tokens = assertThrows(ApiException.class, () -> DecodingFixture.COMPLETIONS.decode(body("{\"prompt\": [1, 259]}")));
        assertEquals(400, tokens.status());
        assertEquals("prompt", tokens.param());
        var model = assertThrows(ApiException.class, () -> DecodingFixture.CHAT.decode(body(
                "{\"model\": \"other\", \"messages\": [{\"role\": \"user\", \"content\": \"a\"}]}")));
        assertEquals(404, model.status());
        var schema = assertThrows(ApiException.class, () -> DecodingFixture.CHAT.decode(body("""
                {"messages": [{"role": "user", "content": "a"}],
                 "response_format": {"type": "json_schema", "json_schema": {"schema": {"$ref": "#"}}}}""")));
        assertEquals("response_format", schema.param());
        var messages = assertThrows(ApiException.class, () -> DecodingFixture.MESSAGES.decode(body("{\"max_tokens\": 2}")));
        assertEquals(400, messages.status());
    }
}
