package dev.rill.springai;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rill.Model;
import dev.rill.ModelOptions;
import java.time.Duration;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.prompt.ChatOptions;

/** Spring AI's {@link ChatClient} over {@link RillChatModel}, on the rigged plus-one model. */
class ChatClientTest {
    private static Model model;

    @BeforeAll
    static void load() {
        model = Model.load(Fixtures.file(), ModelOptions.builder().contextSize(1024).threads(1).build());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static ChatClient client() {
        return ChatClient.create(RillChatModel.builder().model(model)
                .defaultOptions(ChatOptions.builder().maxTokens(5).build()).build());
    }

    @Test
    void aChatClientCallGetsTheRiggedReply() {
        assertEquals("abcde", client().prompt().system("You are terse.").user("hello").call().content());
    }

    @Test
    void aChatClientStreamGetsTheRiggedReplyPieceByPiece() {
        String streamed = client().prompt("hello").stream().content()
                .collect(Collectors.joining()).block(Duration.ofSeconds(30));

        assertEquals("abcde", streamed);
    }
}
