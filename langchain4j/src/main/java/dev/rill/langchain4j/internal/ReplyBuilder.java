package dev.rill.langchain4j.internal;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import java.util.ArrayList;
import java.util.List;

/** Assembles the {@link AiMessage} of a reply from what its {@link ReplyParser} found. */
public final class ReplyBuilder implements ReplySink {
    private final StringBuilder text = new StringBuilder();
    private final StringBuilder thinking = new StringBuilder();
    private final List<ToolExecutionRequest> toolCalls = new ArrayList<>();

    @Override
    public void text(String piece) {
        text.append(piece);
    }

    @Override
    public void thinking(String piece) {
        thinking.append(piece);
    }

    @Override
    public void partialToolCall(int index, String id, String name, String partialArguments) {
        // Only complete calls go into the message.
    }

    @Override
    public void completeToolCall(int index, String id, String name, String arguments) {
        toolCalls.add(ToolExecutionRequest.builder().id(id).name(name).arguments(arguments).build());
    }

    /** Whether the reply calls tools. */
    public boolean hasToolCalls() {
        return !toolCalls.isEmpty();
    }

    /** The assistant's message: its text (null when it only calls tools), reasoning and tool calls. */
    public AiMessage message() {
        String answer = text.isEmpty() && hasToolCalls() ? null : text.toString();
        return AiMessage.builder()
                .text(answer)
                .thinking(thinking.isEmpty() ? null : thinking.toString())
                .toolExecutionRequests(List.copyOf(toolCalls))
                .build();
    }
}
