package dev.rill.langchain4j;

import java.util.HashMap;
import java.util.Map;

/** The cases of LangChain4j's chat suites that need a real instruct model, with the reason for each. */
final class SuiteCases {
    private static final String CAPITAL = "asks for the capital of Germany and expects 'Berlin': needs an instruct "
            + "model's knowledge";
    private static final String TOOLS = "needs an instruct model that decides to call a tool, and the parsing of "
            + "tool calls from the output, which Rill's core does not offer yet";

    private SuiteCases() {
    }

    /** Cases of the chat suite shared by the blocking and the streaming model. */
    static Map<String, String> chat() {
        Map<String, String> cases = new HashMap<>();
        cases.put("should_respect_user_message", CAPITAL + "; text, metadata, finish reason, token usage and "
                + "threads are checked exactly in RiggedChatTest and StreamingBehaviourTest");
        cases.put("should_respect_system_message", "expects a German translation ('liebe'): needs an instruct model");
        cases.put("should_respect_multiple_messages", "expects the model to recall 'green' from the conversation: "
                + "needs an instruct model; the rendering of every message is checked in RiggedChatTest");
        cases.put("should_respect_stopSequences_in_chat_request", "expects the model to obey \"Say 'Hello World'\" "
                + "so that the stop sequence cuts it; stop sequences are checked in RiggedChatTest");
        cases.put("should_respect_stopSequences_in_default_model_parameters", "as "
                + "should_respect_stopSequences_in_chat_request");
        cases.put("should_execute_a_tool_then_answer", TOOLS);
        cases.put("should_execute_a_tool_without_arguments_then_answer", TOOLS);
        cases.put("should_execute_multiple_tools_in_parallel_then_answer", TOOLS);
        cases.put("should_execute_a_tool_then_answer_respecting_JSON_response_format_with_schema", TOOLS);
        cases.put("should_respect_JSON_response_format", "expects {\"city\": \"Berlin\"}: needs an instruct "
                + "model's knowledge; the grammar's constraint is checked in RiggedChatTest");
        cases.put("should_respect_JSON_response_format_with_schema", "as should_respect_JSON_response_format");
        cases.put("should_respect_JsonRawSchema_responseFormat", "as should_respect_JSON_response_format");
        return cases;
    }

    /** The chat cases plus those of the streaming suite. */
    static Map<String, String> streaming() {
        Map<String, String> cases = chat();
        String handlers = CAPITAL + "; the same handler behaviour is checked on the rigged model in "
                + "StreamingBehaviourTest";
        cases.put("should_propagate_user_exceptions_thrown_from_onPartialResponse", handlers);
        cases.put("should_propagate_user_exceptions_thrown_from_onCompleteResponse", handlers);
        cases.put("should_ignore_user_exceptions_thrown_from_onError", handlers);
        return cases;
    }
}
