package dev.rill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.sampling.Sampler;
import java.util.List;
import org.junit.jupiter.api.Test;

class GenerationRequestTest {

    @Test
    void hasDocumentedDefaults() {
        GenerationRequest request = GenerationRequest.of("hi");
        assertEquals(Prompt.text("hi"), request.prompt());
        assertEquals(GenerationRequest.DEFAULT_MAX_TOKENS, request.maxTokens());
        assertEquals(List.of(), request.stopStrings());
        assertEquals(Sampler.greedy(), request.sampler());
        assertTrue(request.seed().isEmpty());
        assertEquals(0, request.topAlternatives());
    }

    @Test
    void rejectsInvalidValuesAtOnce() {
        assertEquals("maxTokens must be at least 1, was 0",
                assertThrows(IllegalArgumentException.class, () -> GenerationRequest.builder("x").maxTokens(0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> GenerationRequest.builder("x").maxTokens(-5));
        assertThrows(IllegalArgumentException.class, () -> GenerationRequest.builder("x").stop(""));
        assertThrows(IllegalArgumentException.class, () -> GenerationRequest.builder("x").topAlternatives(65));
        assertThrows(NullPointerException.class, () -> GenerationRequest.builder("x").sampler(null));
        assertThrows(IllegalStateException.class, () -> GenerationRequest.builder("x").seed(1).seed(2));
    }

    @Test
    void tokenPromptsAreCopiedAndChecked() {
        int[] ids = {1, 2, 3};
        Prompt prompt = Prompt.tokens(ids);
        ids[0] = 99;
        assertArrayEquals(new int[] {1, 2, 3}, ((Prompt.Tokens) prompt).tokens());
        assertThrows(IllegalArgumentException.class, () -> Prompt.tokens());
        assertThrows(IllegalArgumentException.class, () -> Prompt.tokens(4, -1));
        assertEquals(Prompt.tokens(1, 2), Prompt.tokens(1, 2));
    }

    @Test
    void chatPromptsNeedAMessage() {
        assertThrows(IllegalArgumentException.class, () -> Prompt.chat(List.of()));
        assertThrows(IllegalArgumentException.class, () -> new ChatMessage(" ", "x"));
    }
}
