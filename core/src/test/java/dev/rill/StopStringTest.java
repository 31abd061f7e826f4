package dev.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class StopStringTest {
    private static Model model;

    @BeforeAll
    static void load() {
        model = RiggedFiles.loadPlusOne();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static GenerationResult run(GenerationRequest request, List<StreamToken> tokens) {
        return model.generate(request, (token, generation) -> tokens.add(token));
    }

    @Test
    void aStopStringSplitAcrossTokensNeverReachesTheStream() {
        List<StreamToken> tokens = new ArrayList<>();
        GenerationResult result = run(GenerationRequest.builder("abc").maxTokens(30).stop("ghi").build(), tokens);
        assertEquals(FinishReason.STOP_STRING, result.finishReason());
        assertEquals("def", result.text());
        String streamed = String.join("", tokens.stream().map(StreamToken::text).toList());
        assertEquals("def", streamed);
        // 'g' and 'h' were held back as a possible start of "ghi"; 'i' completed it and ended the stream.
        assertEquals(List.of("d", "e", "f", "", "", ""), tokens.stream().map(StreamToken::text).toList());
    }

    @Test
    void heldBackTextIsReleasedWhenItTurnsOutNotToBeAStop() {
        List<StreamToken> tokens = new ArrayList<>();
        GenerationResult result = run(GenerationRequest.builder("abc").maxTokens(6).stop("efx").build(), tokens);
        assertEquals(FinishReason.MAX_TOKENS, result.finishReason());
        assertEquals("defghi", result.text());
        assertEquals(List.of("d", "", "", "efg", "h", "i"), tokens.stream().map(StreamToken::text).toList());
    }

    @Test
    void textHeldAtTheTokenLimitIsDeliveredWithTheLastToken() {
        List<StreamToken> tokens = new ArrayList<>();
        GenerationResult result = run(GenerationRequest.builder("abc").maxTokens(2).stop("efg").build(), tokens);
        assertEquals(FinishReason.MAX_TOKENS, result.finishReason());
        assertEquals("de", result.text());
        assertEquals("e", tokens.getLast().text());
    }

    @Test
    void theEarliestOfSeveralStopsWins() {
        GenerationResult result = run(GenerationRequest.builder("abc").maxTokens(30).stop("jk").stop("fg").build(),
                new ArrayList<>());
        assertEquals("de", result.text());
        assertEquals(FinishReason.STOP_STRING, result.finishReason());
        assertTrue(result.finishReason().isNatural());
    }

    @Test
    void aStopStringInThePromptDoesNotCount() {
        GenerationResult result = run(GenerationRequest.builder("abc").maxTokens(3).stop("abc").build(), new ArrayList<>());
        assertEquals(FinishReason.MAX_TOKENS, result.finishReason());
        assertEquals("def", result.text());
    }
}
