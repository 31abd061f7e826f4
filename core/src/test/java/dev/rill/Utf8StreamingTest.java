package dev.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.testkit.Vocabulary;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class Utf8StreamingTest {
    private static Model model;

    @BeforeAll
    static void load() {
        model = Model.load(RiggedFiles.utf8(), RiggedFiles.smallOptions().build());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void charactersSplitAcrossTokensArriveWholeAndNeverAsReplacementCharacters() {
        List<StreamToken> tokens = new ArrayList<>();
        GenerationResult result = model.generate(GenerationRequest.builder("x").maxTokens(50).build(),
                (token, generation) -> tokens.add(token));
        // C3 A9 | E2 82 AC | F0 9F 98 80 | </s>: one token per byte, text released on each character's last byte.
        List<String> texts = tokens.stream().map(StreamToken::text).toList();
        assertEquals(List.of("", "é", "", "", "€", "", "", "", "😀", ""), texts);
        tokens.forEach(token -> assertFalse(token.text().contains("\uFFFD"), token.toString()));
        assertEquals("é€😀", result.text());
    }

    @Test
    void endOfSequenceIsTheLastTokenAndFlagged() {
        List<StreamToken> tokens = new ArrayList<>();
        GenerationResult result = model.generate(GenerationRequest.builder("x").maxTokens(50).build(),
                (token, generation) -> tokens.add(token));
        StreamToken last = tokens.getLast();
        assertTrue(last.endOfSequence());
        assertEquals(Vocabulary.EOS, last.tokenId());
        assertEquals("", last.text());
        assertEquals(FinishReason.END_OF_SEQUENCE, result.finishReason());
        assertTrue(result.finishReason().isNatural());
        assertEquals(10, result.generatedTokens());
        tokens.subList(0, tokens.size() - 1).forEach(token -> assertFalse(token.endOfSequence()));
    }

    @Test
    void anUnfinishedCharacterAtTheTokenLimitIsFlushedAsOneReplacementCharacter() {
        // Stop after C3 A9 E2 82: "é" then the first two bytes of "€", which can never complete.
        GenerationResult result = model.generate(GenerationRequest.builder("x").maxTokens(4).build(),
                TokenCallback.ignore());
        assertEquals(FinishReason.MAX_TOKENS, result.finishReason());
        assertEquals("é\uFFFD", result.text());
    }

    @Test
    void aStopStringMadeOfMultiByteCharactersIsFoundAcrossTokens() {
        StringBuilder streamed = new StringBuilder();
        GenerationResult result = model.generate(GenerationRequest.builder("x").maxTokens(50).stop("€😀").build(),
                (token, generation) -> streamed.append(token.text()));
        assertEquals(FinishReason.STOP_STRING, result.finishReason());
        assertEquals("é", result.text());
        assertEquals("é", streamed.toString());
    }
}
