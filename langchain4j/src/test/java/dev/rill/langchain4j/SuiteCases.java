package dev.rill.langchain4j;

import java.util.HashMap;
import java.util.Map;

/** The cases of LangChain4j's chat suites that need a real instruct model, with the reason for each. */
final class SuiteCases {
    private static final String CAPITAL = "asks for the capital of Germany and expects 'Berlin': needs an instruct "
            + "model's knowledge";
    private static final String TOOLS = "the rigged tool model (Fixtures.CALLS_TOOL) picks each token from the one "
            + "before it, so it writes one kind of call and one answer ('SUN'); ";

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
        cases.put("should_execute_a_tool_without_arguments_then_answer", TOOLS + "this case expects the answer to "
                + "repeat the tool's result '10:14', and its arguments '{}' in one partial call (they stream token by "
                + "token); a call without arguments is checked in AiServicesToolsTest");
        cases.put("should_execute_multiple_tools_in_parallel_then_answer", TOOLS + "this case needs two calls "
                + "with different arguments in one reply");
        cases.put("should_force_LLM_to_execute_any_tool", TOOLS + "with two tools required it takes the name "
                + "with the lowest token id, 'add_two_numbers', where this case expects the weather tool; "
                + "REQUIRED with several tools is checked in ToolCallsTest");
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
