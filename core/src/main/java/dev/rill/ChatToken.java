package dev.rill;

import java.util.Objects;

/**
 * One token of a chat generation: the engine's {@link StreamToken}, unchanged, with where its text went.
 *
 * <p>The output is parsed as it streams, in the model's {@link ChatFormat}: text that could be the start of a
 * marker (such as {@code <tool_c}) is held until it is known, so a token's {@link #delta()} may release text of
 * earlier tokens or hold some of its own; what is still held when the generation ends is in
 * {@link ChatResult#tail()}. Special tokens that are format markers (such as {@code [TOOL_CALLS]} or
 * {@code <|channel|>}) have empty {@link StreamToken#text()} but are parsed by their text.
 *
 * @param token the token as the engine produced it (id, text, probability, logit)
 * @param channel where this token's text went: the channel of the last text it released, or, when it released
 *     nothing, the channel the output is in after it
 * @param delta what this token added to each channel
 */
public record ChatToken(StreamToken token, ChatChannel channel, ChatDelta delta) {
    /** Checks the fields. */
    public ChatToken {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(delta, "delta");
    }
}
