package dev.rill.internal.chat;

import dev.rill.ChatChannel;
import dev.rill.ChatDelta;
import dev.rill.ChatResult;
import dev.rill.ChatToken;
import dev.rill.GenerationResult;
import dev.rill.StreamToken;
import dev.rill.ToolCall;
import dev.rill.ToolCallDelta;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one chat generation's token stream into {@link ChatToken}s and, at the end, a {@link ChatResult}: feeds
 * each token's text (and the text of a special token that is a format marker, which the stream leaves out) to the
 * format's parser and collects what it classifies. One per generation; the engine thread feeds it, the thread that
 * completes the generation finishes it, after the last token.
 */
public final class ChatOutput implements OutputSink {
    private static final Logger LOG = LoggerFactory.getLogger(ChatOutput.class);
    private static final String ID_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    private final OutputParser parser;
    private final Map<Integer, String> markerTokens;
    private final SplittableRandom ids;
    private final StringBuilder content = new StringBuilder();
    private final StringBuilder reasoning = new StringBuilder();
    private final List<Call> calls = new ArrayList<>();
    private ChatChannel channel;
    // this step's delta
    private final StringBuilder stepContent = new StringBuilder();
    private final StringBuilder stepReasoning = new StringBuilder();
    private final List<ToolCallDelta> stepCalls = new ArrayList<>();
    private ChatChannel stepChannel;

    private static final class Call {
        final String id;
        final String name;
        final StringBuilder arguments = new StringBuilder();
        boolean ended;

        Call(String id, String name) {
            this.id = id;
            this.name = name;
        }
    }

    /**
     * @param markerTokens special tokens whose text is a marker of the format, by id: their text is parsed
     * @param seed seeds the ids of the calls
     */
    public ChatOutput(ChatSyntax syntax, Map<Integer, String> markerTokens, long seed) {
        this.parser = syntax.parser();
        this.markerTokens = Map.copyOf(markerTokens);
        this.ids = new SplittableRandom(seed);
        this.channel = syntax.firstChannel();
    }

    /** Parses one token of the stream. */
    public ChatToken onToken(StreamToken token) {
        stepChannel = null;
        parser.feed(token.text(), this);
        String marker = markerTokens.get(token.tokenId());
        if (marker != null) {
            parser.feed(marker, this);
        }
        return new ChatToken(token, stepChannel == null ? channel : stepChannel, takeDelta());
    }

    /** Ends the output: what the parser held back becomes the tail, and the complete calls the result's. */
    public ChatResult finish(GenerationResult generation) {
        parser.finish(this);
        ChatDelta tail = takeDelta();
        List<ToolCall> complete = new ArrayList<>();
        for (Call call : calls) {
            if (!call.ended) {
                continue;
            }
            try {
                complete.add(new ToolCall(call.id, call.name, call.arguments.toString()));
            } catch (IllegalArgumentException e) {
                LOG.debug("a tool call whose arguments are not a JSON object is left out: {}", e.getMessage());
            }
        }
        return new ChatResult(generation, content.toString(), reasoning.toString(), complete, tail);
    }

    private ChatDelta takeDelta() {
        if (stepContent.isEmpty() && stepReasoning.isEmpty() && stepCalls.isEmpty()) {
            return ChatDelta.EMPTY;
        }
        ChatDelta delta = new ChatDelta(stepContent.toString(), stepReasoning.toString(), stepCalls);
        stepContent.setLength(0);
        stepReasoning.setLength(0);
        stepCalls.clear();
        return delta;
    }

    @Override
    public void text(ChatChannel where, String text) {
        if (text.isEmpty()) {
            return;
        }
        channel = where;
        stepChannel = where;
        switch (where) {
            case CONTENT -> {
                content.append(text);
                stepContent.append(text);
            }
            case REASONING -> {
                reasoning.append(text);
                stepReasoning.append(text);
            }
            case TOOL_CALL, MARKUP -> {
            }
        }
    }

    @Override
    public void callStart(String name, String id) {
        String callId = id != null ? id : newId();
        calls.add(new Call(callId, name));
        stepCalls.add(new ToolCallDelta(calls.size() - 1, callId, name, ""));
    }

    @Override
    public void callArguments(String fragment) {
        if (calls.isEmpty() || fragment.isEmpty()) {
            return;
        }
        int index = calls.size() - 1;
        calls.get(index).arguments.append(fragment);
        if (!stepCalls.isEmpty() && stepCalls.getLast().index() == index) {
            ToolCallDelta last = stepCalls.removeLast();
            stepCalls.add(new ToolCallDelta(index, last.id(), last.name(), last.arguments() + fragment));
        } else {
            stepCalls.add(new ToolCallDelta(index, null, null, fragment));
        }
    }

    @Override
    public void callEnd() {
        if (!calls.isEmpty()) {
            calls.getLast().ended = true;
        }
    }

    /** Nine letters and digits: the form Mistral's templates require, and fine for every other. */
    private String newId() {
        char[] id = new char[9];
        for (int i = 0; i < id.length; i++) {
            id[i] = ID_CHARS.charAt(ids.nextInt(ID_CHARS.length()));
        }
        return new String(id);
    }
}
