package dev.rill.internal.chat;

import dev.rill.ChatChannel;

/** An answer in which nothing is parsed: all of it is content (no tools, or tool choice none). */
final class PlainParser implements OutputParser {
    @Override
    public void feed(String text, OutputSink sink) {
        if (!text.isEmpty()) {
            sink.text(ChatChannel.CONTENT, text);
        }
    }

    @Override
    public void finish(OutputSink sink) {
    }
}
