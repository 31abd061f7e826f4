package dev.rill.internal.chat;

/**
 * Parses one format family's output as it streams, text piece by text piece, into channels and tool calls. One
 * parser per generation; not thread-safe.
 *
 * <p>Whatever way the output is cut into pieces, the sink receives the same text per channel and the same calls:
 * a parser holds back text that could be the start of a marker until it knows.
 */
public interface OutputParser {

    /** Parses more output. */
    void feed(String text, OutputSink sink);

    /** The output ended: releases what was held back and ends a call whose text is complete. */
    void finish(OutputSink sink);
}
