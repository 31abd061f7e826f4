package dev.rill.internal.chat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.rill.ChatFormat;
import dev.rill.ChatResult;
import dev.rill.FinishReason;
import dev.rill.GenerationResult;
import dev.rill.StreamToken;
import dev.rill.Timings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Fuzz target for the parsers of a chat model's output: whatever text a model streams, in whatever pieces, every
 * format's parser classifies it into answer, reasoning and tool calls without an exception, a hang or memory out of
 * proportion to the text, and loses none of it. The first byte picks the format and the syntax's switches; each
 * following byte under 8 ends a piece there (a token boundary), the rest is the text (UTF-8). Without
 * {@code JAZZER_FUZZ} JUnit runs the seeds in {@code ChatOutputFuzzTestInputs/outputParsers/}; {@code tools/fuzz}
 * fuzzes.
 */
class ChatOutputFuzzTest {
    private static final Timings NO_TIMINGS =
            new Timings(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, 0, 0);

    @FuzzTest
    void outputParsers(byte[] bytes) {
        if (bytes.length == 0) {
            return;
        }
        ChatFormat[] formats = ChatFormat.values();
        int header = bytes[0] & 0xFF;
        ChatSyntax syntax = new ChatSyntax(formats[header % formats.length], (header & 0x10) == 0,
                (header & 0x20) != 0, (header & 0x40) != 0);
        ChatOutput output = new ChatOutput(syntax, Map.of(), 42);
        StringBuilder whole = new StringBuilder();
        int index = 0;
        int start = 1;
        for (int i = 1; i <= bytes.length; i++) {
            if (i == bytes.length || (bytes[i] & 0xFF) < 8) {
                String piece = new String(bytes, start, i - start, StandardCharsets.UTF_8);
                whole.append(piece);
                output.onToken(new StreamToken(index++, 0, piece, 1f, 0f, false, List.of()));
                start = i + 1;
            }
        }
        ChatResult result = output.finish(new GenerationResult(FinishReason.END_OF_SEQUENCE, whole.toString(), 1, index,
                42, NO_TIMINGS, Optional.empty()));
        if (result == null) {
            throw new AssertionError("no result for " + whole);
        }
    }
}
