package dev.rill.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.Result;
import dev.langchain4j.service.SystemMessage;
import dev.langchain4j.service.TokenStream;
import dev.rill.ChatMessage;
import dev.rill.Model;
import dev.rill.Prompt;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** LangChain4j AI services over Rill's chat models on the rigged plus-one model, whose replies are known. */
class AiServicesTest {
    private static Model model;

    @BeforeAll
    static void load() {
        model = Fixtures.plusOneChat();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    interface Assistant {
        @SystemMessage("You are terse.")
        Result<String> chat(String message);
    }

    interface StreamingAssistant {
        TokenStream chat(String message);
    }

    @Test
    void anAiServiceAnswersWithTheModelsReplyAndKeepsItsMemory() {
        Assistant assistant = AiServices.builder(Assistant.class)
                .chatModel(Fixtures.chatModel(model, ChatRequestParameters.builder().maxOutputTokens(5).build()))
                .chatMemory(MessageWindowChatMemory.withMaxMessages(10))
                .build();

        Result<String> first = assistant.chat("hello");
        Result<String> second = assistant.chat("again");

        assertEquals("abcde", first.content());
        assertEquals(FinishReason.LENGTH, first.finishReason());
        int firstPrompt = model.tokenize(model.applyChatTemplate(new Prompt.Chat(List.of(
                ChatMessage.system("You are terse."), ChatMessage.user("hello")), null), true)).length;
        assertEquals(firstPrompt, first.tokenUsage().inputTokenCount());
        // The second request carries the first exchange from the memory.
        int secondPrompt = model.tokenize(model.applyChatTemplate(new Prompt.Chat(List.of(
                ChatMessage.system("You are terse."), ChatMessage.user("hello"), ChatMessage.assistant("abcde"),
                ChatMessage.user("again")), null), true)).length;
        assertEquals("abcde", second.content());
        assertEquals(secondPrompt, second.tokenUsage().inputTokenCount());
        assertInstanceOf(RillChatResponseMetadata.class, second.finalResponse().metadata());
    }

    @Test
    void aStreamingAiServiceStreamsTheReply() throws Exception {
        StreamingAssistant assistant = AiServices.builder(StreamingAssistant.class)
                .streamingChatModel(Fixtures.streamingModel(model,
                        ChatRequestParameters.builder().maxOutputTokens(6).build()))
                .build();
        StringBuffer partials = new StringBuffer();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();

        assistant.chat("hello")
                .onPartialResponse(partials::append)
                .onCompleteResponse(done::complete)
                .onError(done::completeExceptionally)
                .start();

        ChatResponse response = done.get(30, TimeUnit.SECONDS);
        assertEquals("abcdef", partials.toString());
        assertEquals("abcdef", response.aiMessage().text());
        assertTrue(response.tokenUsage().inputTokenCount() > 0);
    }
}
