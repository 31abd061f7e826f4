package dev.rill.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.rill.ChatMessage;
import dev.rill.Model;
import dev.rill.Prompt;
import dev.rill.StreamToken;
import dev.rill.ToolCall;
import dev.rill.ToolDefinition;
import dev.rill.testkit.ModelFiles;
import dev.rill.testkit.TestModels;
import dev.rill.testkit.Vocabulary;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link RillChatModel} on rigged models whose replies are known exactly: text, tokens, usage, finish reasons,
 * parameter mapping, the JSON response format's grammar, tools in the prompt, and what is refused.
 */
class RiggedChatTest {
    /** ChatML that also lists the tools it is given, so that their rendering shows in the prompt's length. */
    private static final String TOOLS_TEMPLATE = "{% if tools %}{{ '<|im_start|>system\\n' }}"
            + "{% for tool in tools %}{{ tool['function']['name'] + ': ' + tool['function']['description'] + '\\n' }}"
            + "{% endfor %}{{ '<|im_end|>\\n' }}{% endif %}"
            + "{% for message in messages %}"
            + "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
            + "{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Model model;
    private static Model toolsModel;

    @BeforeAll
    static void load() {
        model = Fixtures.plusOneChat();
        toolsModel = Model.load(ModelFiles.file("plus-one-tools.gguf",
                TestModels.plusOne().withChatTemplate(TOOLS_TEMPLATE)::write), dev.rill.ModelOptions.builder()
                .contextSize(512).threads(1).build());
    }

    @AfterAll
    static void close() {
        model.close();
        toolsModel.close();
    }

    private static RillChatModel chat(ChatRequestParameters defaults) {
        return Fixtures.chatModel(model, defaults);
    }

    private static ChatResponse ask(ChatRequestParameters parameters) {
        return chat(DefaultChatRequestParameters.EMPTY).chat(ChatRequest.builder()
                .messages(UserMessage.from("hello")).parameters(parameters).build());
    }

    private static int promptLength(Model on, Prompt.Chat chat) {
        return on.tokenize(on.applyChatTemplate(chat, true)).length;
    }

    @Test
    void replyIsTheRiggedContinuationOfTheChatTemplate() {
        ChatResponse response = ask(ChatRequestParameters.builder().maxOutputTokens(5).build());

        assertEquals("abcde", response.aiMessage().text());
        assertEquals(List.of(), response.aiMessage().toolExecutionRequests());
        assertEquals(FinishReason.LENGTH, response.finishReason());
        assertEquals(Fixtures.MODEL_NAME, response.modelName());
        assertTrue(response.id().startsWith("rill-"), response.id());
        int prompt = promptLength(model, new Prompt.Chat(List.of(ChatMessage.user("hello")), null));
        assertEquals(prompt, response.tokenUsage().inputTokenCount());
        assertEquals(5, response.tokenUsage().outputTokenCount());
        assertEquals(prompt + 5, response.tokenUsage().totalTokenCount());
    }

    @Test
    void metadataCarriesEveryTokenWithIdProbabilityAndLogit() {
        ChatResponse response = ask(ChatRequestParameters.builder().maxOutputTokens(3).build());

        RillChatResponseMetadata metadata = assertInstanceOf(RillChatResponseMetadata.class, response.metadata());
        List<StreamToken> tokens = metadata.tokens();
        assertEquals(3, tokens.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(Vocabulary.byteToken('a' + i), tokens.get(i).tokenId());
            assertEquals(String.valueOf((char) ('a' + i)), tokens.get(i).text());
            assertEquals(1f, tokens.get(i).probability(), "greedy without sampling parameters");
            assertEquals(TestModels.DEFAULT_TOP_LOGIT, tokens.get(i).logit(), 1e-3f);
        }
        assertEquals(dev.rill.FinishReason.MAX_TOKENS, metadata.result().finishReason());
        assertEquals("abc", metadata.result().text());
    }

    @Test
    void stopSequenceEndsTheReplyWithStopAndStaysOutOfTheText() {
        ChatResponse response = ask(ChatRequestParameters.builder().stopSequences("ef", "zz").build());

        assertEquals("abcd", response.aiMessage().text());
        assertEquals(FinishReason.STOP, response.finishReason());
    }

    @Test
    void temperatureMapsToTheSamplerChainAndSeedReproducesTheReply() {
        ChatRequestParameters hot = RillChatRequestParameters.builder().temperature(1.5).seed(42L)
                .maxOutputTokens(20).build();
        ChatResponse first = ask(hot);
        ChatResponse second = ask(hot);

        assertEquals(first.aiMessage().text(), second.aiMessage().text());
        RillChatResponseMetadata metadata = (RillChatResponseMetadata) first.metadata();
        assertEquals(42L, metadata.result().seed());
        // The successor's probability after temperature 1.5, as the rigged model's logits give it.
        StreamToken token = metadata.tokens().getFirst();
        if (token.tokenId() == Vocabulary.byteToken('a')) {
            assertEquals(Fixtures.PLUS_ONE_CHAT.topProbability(1.5), token.probability(), 1e-4);
        }
    }

    @Test
    void topKOfOneKeepsOnlyTheSuccessor() {
        ChatResponse response = ask(ChatRequestParameters.builder().topK(1).temperature(2.0).maxOutputTokens(4)
                .build());

        assertEquals("abcd", response.aiMessage().text());
        ((RillChatResponseMetadata) response.metadata()).tokens()
                .forEach(token -> assertEquals(1f, token.probability()));
    }

    @Test
    void defaultParametersApplyAndRequestParametersOverrideThem() {
        RillChatModel chat = chat(RillChatRequestParameters.builder().maxOutputTokens(2).stopSequences("zz").build());

        assertEquals("ab", chat.chat("hello"));
        assertEquals("abcdef", chat.chat(ChatRequest.builder().messages(UserMessage.from("hello"))
                .parameters(ChatRequestParameters.builder().maxOutputTokens(6).build()).build()).aiMessage().text());
    }

    @Test
    void jsonSchemaResponseFormatConstrainsTheReplyToTheSchema() throws Exception {
        // The rigged model would write "abcde..."; the grammar makes it write the object, and maxLength lets the
        // string end, which the counting model never does on its own.
        JsonSchema schema = JsonSchema.builder().name("Person").rootElement(JsonRawSchema.from("""
                {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
                 "properties": {"name": {"type": "string", "maxLength": 5}}, "required": ["name"]}""")).build();
        ChatResponse response = ask(ChatRequestParameters.builder().responseFormat(schema).maxOutputTokens(100)
                .build());

        String text = response.aiMessage().text();
        JsonNode reply = JSON.readTree(text);
        assertTrue(reply.isObject(), text);
        assertEquals(List.of("name"), fieldNames(reply));
        assertTrue(reply.get("name").isTextual(), text);
        assertTrue(reply.get("name").asText().length() <= 5, text);
        assertEquals(FinishReason.STOP, response.finishReason());
    }

    @Test
    void jsonSchemaFromLangChain4jElementsConstrainsTheReply() throws Exception {
        JsonSchema schema = JsonSchema.builder().name("Person").rootElement(JsonObjectSchema.builder()
                .addStringProperty("name").required("name").build()).build();
        ChatResponse response = ask(ChatRequestParameters.builder().responseFormat(schema).maxOutputTokens(40)
                .build());

        // The counting model never closes the string: 40 tokens of a valid JSON document that names "name".
        String text = response.aiMessage().text();
        assertValidJsonPrefix(text);
        assertTrue(text.replace(" ", "").startsWith("{\"name\":\""), text);
        assertEquals(FinishReason.LENGTH, response.finishReason());
    }

    @Test
    void jsonModeWithoutSchemaKeepsTheReplyJson() throws Exception {
        ChatResponse response = ask(ChatRequestParameters.builder().responseFormat(ResponseFormat.JSON)
                .maxOutputTokens(40).build());

        String text = response.aiMessage().text();
        assertTrue(text.startsWith("{") || text.startsWith(" {"), text);
        assertValidJsonPrefix(text);
        assertEquals(FinishReason.LENGTH, response.finishReason());
    }

    /** Reads {@code text} as JSON and fails on anything but running out of input. */
    private static void assertValidJsonPrefix(String text) throws Exception {
        try (JsonParser parser = JSON.createParser(text)) {
            while (parser.nextToken() != null) {
                // read on
            }
        } catch (JsonEOFException endOfInput) {
            return;
        }
    }

    private static List<String> fieldNames(JsonNode object) {
        List<String> names = new java.util.ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void toolSpecificationsRenderThroughTheChatTemplate() {
        ToolSpecification weather = ToolSpecification.builder().name("get_weather").description("Current weather")
                .parameters(JsonObjectSchema.builder().addStringProperty("city").required("city").build()).build();
        RillChatModel chat = Fixtures.chatModel(toolsModel, DefaultChatRequestParameters.EMPTY);
        List<ChatMessage> messages = List.of(ChatMessage.user("hello"));

        ChatResponse withTools = chat.chat(ChatRequest.builder().messages(UserMessage.from("hello"))
                .parameters(ChatRequestParameters.builder().toolSpecifications(weather).maxOutputTokens(1).build())
                .build());
        ChatResponse toolChoiceNone = chat.chat(ChatRequest.builder().messages(UserMessage.from("hello"))
                .parameters(ChatRequestParameters.builder().toolSpecifications(weather).toolChoice(ToolChoice.NONE)
                        .maxOutputTokens(1).build())
                .build());

        Prompt.Chat expected = Prompt.chatBuilder(messages).tools(List.of(new ToolDefinition("get_weather",
                "Current weather", "{\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}, "
                        + "\"required\": [\"city\"]}"))).build();
        assertEquals(promptLength(toolsModel, expected), withTools.tokenUsage().inputTokenCount());
        assertEquals(promptLength(toolsModel, new Prompt.Chat(messages, null)),
                toolChoiceNone.tokenUsage().inputTokenCount());
        assertNotEquals(withTools.tokenUsage().inputTokenCount(), toolChoiceNone.tokenUsage().inputTokenCount());
    }

    @Test
    void everyMessageTypeReachesTheTemplate() {
        ToolExecutionRequest call = ToolExecutionRequest.builder().id("call-1").name("get_weather")
                .arguments("{\"city\": \"Paris\"}").build();
        ChatResponse response = chat(ChatRequestParameters.builder().maxOutputTokens(1).build()).chat(
                SystemMessage.from("be brief"),
                UserMessage.from(TextContent.from("weather"), TextContent.from("in Paris?")),
                AiMessage.from(call),
                ToolExecutionResultMessage.from(call, "sunny"),
                AiMessage.from("It is sunny."),
                UserMessage.from("thanks"));

        List<ChatMessage> expected = List.of(ChatMessage.system("be brief"), ChatMessage.user("weather\nin Paris?"),
                ChatMessage.assistant("", List.of(new ToolCall("call-1", "get_weather", "{\"city\": \"Paris\"}"))),
                ChatMessage.tool("call-1", "sunny"), ChatMessage.assistant("It is sunny."),
                ChatMessage.user("thanks"));
        assertEquals(promptLength(model, new Prompt.Chat(expected, null)), response.tokenUsage().inputTokenCount());
        assertEquals("a", response.aiMessage().text());
    }

    @Test
    void whatRillCannotHonourIsRefusedWithUnsupportedFeature() {
        RillChatModel chat = chat(DefaultChatRequestParameters.EMPTY);

        var image = assertThrows(UnsupportedFeatureException.class, () -> chat.chat(UserMessage.from(
                TextContent.from("what is this?"), ImageContent.from("aGVsbG8=", "image/png"))));
        assertTrue(image.getMessage().contains("image"), image.getMessage());
        var otherModel = assertThrows(UnsupportedFeatureException.class, () -> chat.chat(ChatRequest.builder()
                .messages(UserMessage.from("hi")).parameters(ChatRequestParameters.builder().modelName("gpt-4o")
                        .build()).build()));
        assertTrue(otherModel.getMessage().contains("gpt-4o"), otherModel.getMessage());
        assertThrows(UnsupportedFeatureException.class, () -> chat.chat(ChatRequest.builder()
                .messages(UserMessage.from("hi")).parameters(ChatRequestParameters.builder()
                        .toolSpecifications(ToolSpecification.builder().name("f").build())
                        .toolChoice(ToolChoice.REQUIRED).build()).build()));
        // The model is fine afterwards.
        assertEquals("ab", chat.chat(ChatRequest.builder().messages(UserMessage.from("hi"))
                .parameters(ChatRequestParameters.builder().maxOutputTokens(2).build()).build()).aiMessage().text());
    }

    @Test
    void aPromptTooLongForTheContextIsRefusedAndTheModelGoesOn() {
        RillChatModel chat = chat(ChatRequestParameters.builder().maxOutputTokens(2).build());

        assertThrows(dev.rill.PromptTooLongException.class, () -> chat.chat("x".repeat(600)));
        assertEquals("ab", chat.chat("hello"));
    }

    @Test
    void buildersCheckTheirArgumentsAtOnce() {
        assertThrows(IllegalStateException.class, () -> RillChatModel.builder().build());
        assertThrows(NullPointerException.class, () -> RillChatModel.builder().model(null));
        assertThrows(IllegalStateException.class, () -> RillChatModel.builder().model(model).model(model));
        assertThrows(IllegalArgumentException.class, () -> RillChatModel.builder().modelName(" "));
        assertThrows(IllegalArgumentException.class, () -> RillChatModel.builder().model(model)
                .defaultRequestParameters(ChatRequestParameters.builder().temperature(-1.0).build()));
        assertThrows(IllegalArgumentException.class, () -> RillChatModel.builder().model(model)
                .defaultRequestParameters(ChatRequestParameters.builder().topP(1.5).build()));
        assertThrows(UnsupportedFeatureException.class, () -> RillChatModel.builder().model(model)
                .defaultRequestParameters(ChatRequestParameters.builder().modelName("other").build()));
        assertThrows(IllegalArgumentException.class, () -> RillChatRequestParameters.builder().minP(0.0));
        Model closed = Fixtures.plusOneChat();
        closed.close();
        assertThrows(IllegalStateException.class, () -> RillStreamingChatModel.builder().model(closed));
    }

    @Test
    void modelNameCanBeSetAndIsTheOneRequestsMayName() {
        RillChatModel chat = RillChatModel.builder().model(model).modelName("my-model").build();

        ChatResponse response = chat.chat(ChatRequest.builder().messages(UserMessage.from("hi"))
                .parameters(ChatRequestParameters.builder().modelName("my-model").maxOutputTokens(1).build()).build());
        assertEquals("my-model", response.modelName());
        assertEquals("my-model", chat.defaultRequestParameters().modelName());
    }
}
