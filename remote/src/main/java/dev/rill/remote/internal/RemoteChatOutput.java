package dev.rill.remote.internal;

import dev.rill.ChatChannel;
import dev.rill.ChatDelta;
import dev.rill.ChatResult;
import dev.rill.GenerationResult;
import dev.rill.ToolCall;
import dev.rill.ToolCallDelta;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Turns the answer, reasoning and tool-call fields of a streamed chat into Rill's {@link ChatDelta}s and, at the
 * end, a {@link ChatResult}. The server has already parsed the model's output; what is left is to number the
 * calls from 0 in the order they appear, give the first delta of each call its id (the server's, or nine letters
 * and digits made here when it sent none) and name, and hold back argument text that came before the name.
 *
 * <p>{@link #step} runs when an event is read, {@link #delivered} when its delta reached the caller and
 * {@link #finish} at the end, all on the generation's serial drain loop: the result holds exactly what was
 * delivered. Not thread-safe.
 */
public final class RemoteChatOutput {
    private static final String ID_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    /** A call as the server streams it. */
    private static final class Streamed {
        final int index;
        String id;
        String name;
        boolean announced;
        final StringBuilder early = new StringBuilder();

        Streamed(int index) {
            this.index = index;
        }
    }

    /** A call as the caller received it. */
    private record Received(String id, String name, StringBuilder arguments) {
    }

    private final List<Streamed> streamed = new ArrayList<>();
    private final Map<Integer, Streamed> byServerIndex = new HashMap<>();
    private final StringBuilder content = new StringBuilder();
    private final StringBuilder reasoning = new StringBuilder();
    private final List<Received> received = new ArrayList<>();
    private ChatChannel channel = ChatChannel.CONTENT;

    /** What one event adds to each channel. */
    public ChatDelta step(String contentText, String reasoningText, List<Chunks.CallPiece> pieces) {
        List<ToolCallDelta> calls = new ArrayList<>();
        for (Chunks.CallPiece piece : pieces) {
            Streamed call = callOf(piece);
            if (piece.id() != null && call.id == null) {
                call.id = piece.id();
            }
            if (piece.name() != null && call.name == null) {
                call.name = piece.name();
            }
            String arguments = piece.arguments() == null ? "" : piece.arguments();
            if (!call.announced) {
                if (call.name == null) {
                    call.early.append(arguments);
                    continue;
                }
                call.announced = true;
                if (call.id == null) {
                    call.id = newId();
                }
                add(calls, new ToolCallDelta(call.index, call.id, call.name, call.early + arguments));
                call.early.setLength(0);
            } else if (!arguments.isEmpty()) {
                add(calls, new ToolCallDelta(call.index, null, null, arguments));
            }
        }
        return contentText.isEmpty() && reasoningText.isEmpty() && calls.isEmpty() ? ChatDelta.EMPTY
                : new ChatDelta(contentText, reasoningText, calls);
    }

    /** Pieces of one call in one event become one delta, as in-process chat output gives them. */
    private static void add(List<ToolCallDelta> calls, ToolCallDelta delta) {
        if (!calls.isEmpty() && calls.getLast().index() == delta.index()) {
            ToolCallDelta last = calls.removeLast();
            delta = new ToolCallDelta(last.index(), last.id(), last.name(), last.arguments() + delta.arguments());
        }
        calls.add(delta);
    }

    /**
     * The call a piece belongs to: by the server's index; without one, a piece that names a new id or a second
     * name starts a new call and any other continues the last.
     */
    private Streamed callOf(Chunks.CallPiece piece) {
        if (piece.index() >= 0) {
            return byServerIndex.computeIfAbsent(piece.index(), i -> newCall());
        }
        Streamed last = streamed.isEmpty() ? null : streamed.getLast();
        boolean fresh = last == null
                || (piece.id() != null && last.id != null && !piece.id().equals(last.id))
                || (piece.name() != null && last.name != null && (piece.id() == null || !piece.id().equals(last.id)));
        return fresh ? newCall() : last;
    }

    private Streamed newCall() {
        Streamed call = new Streamed(streamed.size());
        streamed.add(call);
        return call;
    }

    /** The channel a token with {@code delta} belongs to: the last it adds to, else the one the output is in. */
    public ChatChannel channel(ChatDelta delta) {
        if (!delta.toolCalls().isEmpty()) {
            channel = ChatChannel.TOOL_CALL;
        } else if (!delta.content().isEmpty()) {
            channel = ChatChannel.CONTENT;
        } else if (!delta.reasoning().isEmpty()) {
            channel = ChatChannel.REASONING;
        }
        return channel;
    }

    /** The text a token with {@code delta} stands for: its reasoning, answer and argument text. */
    public static String text(ChatDelta delta) {
        if (delta.toolCalls().isEmpty()) {
            return delta.reasoning() + delta.content();
        }
        StringBuilder text = new StringBuilder(delta.reasoning()).append(delta.content());
        delta.toolCalls().forEach(call -> text.append(call.arguments()));
        return text.toString();
    }

    /** Records a delta the caller received. */
    public void delivered(ChatDelta delta) {
        content.append(delta.content());
        reasoning.append(delta.reasoning());
        for (ToolCallDelta call : delta.toolCalls()) {
            if (call.first()) {
                received.add(new Received(call.id(), call.name(), new StringBuilder(call.arguments())));
            } else if (call.index() < received.size()) {
                received.get(call.index()).arguments().append(call.arguments());
            }
        }
    }

    /**
     * The result: the answer and reasoning received, and each call received whose arguments are a JSON object
     * (empty arguments count as {@code {}}); a call cut off mid-arguments is left out.
     */
    public ChatResult finish(GenerationResult generation) {
        List<ToolCall> complete = new ArrayList<>();
        for (Received call : received) {
            String arguments = call.arguments().toString().isBlank() ? "{}" : call.arguments().toString();
            try {
                complete.add(new ToolCall(call.id(), call.name(), arguments));
            } catch (IllegalArgumentException cutOff) {
                // not a JSON object: the stream ended inside the call
            }
        }
        return new ChatResult(generation, content.toString(), reasoning.toString(), complete, ChatDelta.EMPTY);
    }

    private static String newId() {
        char[] id = new char[9];
        for (int i = 0; i < id.length; i++) {
            id[i] = ID_CHARS.charAt(ThreadLocalRandom.current().nextInt(ID_CHARS.length()));
        }
        return new String(id);
    }
}
