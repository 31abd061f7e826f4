package dev.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.testkit.ModelFiles;
import dev.rill.testkit.TestModels;
import dev.rill.testkit.Vocabulary;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A session's turns parsed into answer and tool calls: a call ends the turn with {@link FinishReason#TOOL_CALLS}
 * and joins the conversation as the assistant's calls, the tool's answer is the next turn's message, and that turn
 * still reuses the cells of the first.
 */
class ChatSessionToolsTest {
    /** Renders the messages' contents and ends the prompt with a newline. */
    private static final String TEMPLATE = "{% for m in messages %}{{ m['content'] }}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '\\n' }}{% endif %}";
    private static final ToolDefinition WEATHER = new ToolDefinition("get_weather", "Current weather.",
            "{\"type\": \"object\", \"properties\": {\"unit\": {\"enum\": [\"celsius\", \"fahrenheit\"]}}, "
                    + "\"required\": [\"unit\"]}");

    /** After a newline the model opens a call ('{'); after the call's '}' it writes '!' and ends. */
    private static Path callingModel() {
        int newline = Vocabulary.byteToken('\n');
        int open = Vocabulary.byteToken('{');
        int close = Vocabulary.byteToken('}');
        return ModelFiles.file("session-tool-call.gguf", TestModels.transition(Map.of(newline, open, open,
                Vocabulary.byteToken('x'), close, Vocabulary.byteToken('!'))).withChatTemplate(TEMPLATE)::write);
    }

    @Test
    void aToolCallJoinsTheConversationAndTheToolsAnswerIsTheNextTurn() {
        try (Model model = Model.load(callingModel(), RiggedFiles.smallOptions().build());
             ChatSession session = ChatSession.builder(model).tools(List.of(WEATHER)).maxTokens(120).build()) {
            ChatResult first = session.chat("Weather?", ChatCallback.ignore());
            assertEquals(FinishReason.TOOL_CALLS, first.finishReason());
            assertEquals(1, first.toolCalls().size());
            ToolCall call = first.toolCalls().getFirst();
            assertEquals("get_weather", call.name());
            assertEquals("!", first.content());

            List<ChatMessage> conversation = session.messages();
            assertEquals(2, conversation.size());
            ChatMessage reply = conversation.getLast();
            assertEquals("assistant", reply.role());
            assertEquals("!", reply.content());
            assertEquals(List.of(call), reply.toolCalls());

            long reusedBefore = model.stats().reusedPromptTokens();
            ChatResult second = session.submitChat(ChatMessage.tool(call.id(), "sunny"), ChatCallback.ignore(),
                    Demand.unbounded()).awaitChat();
            assertEquals(FinishReason.TOOL_CALLS, second.finishReason(), "the rigged model calls again");
            assertEquals(4, session.messages().size());
            assertEquals("tool", session.messages().get(2).role());
            assertTrue(model.stats().reusedPromptTokens() > reusedBefore,
                    "the second turn kept the cells of the first: " + model.stats());
        }
    }

    @Test
    void toolChoiceNoneLeavesTheSessionsRepliesAsText() {
        try (Model model = Model.load(callingModel(), RiggedFiles.smallOptions().build());
             ChatSession session = ChatSession.builder(model).tools(List.of(WEATHER)).toolChoice(ToolChoice.none())
                     .maxTokens(8).build()) {
            ChatResult result = session.chat("Weather?", ChatCallback.ignore());
            assertTrue(result.toolCalls().isEmpty());
            assertEquals("{x", result.content());
            assertEquals(ChatMessage.assistant("{x"), session.messages().getLast());
        }
    }
}
