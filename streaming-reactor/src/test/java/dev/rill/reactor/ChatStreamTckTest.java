package dev.rill.reactor;

import dev.rill.ChatMessage;
import dev.rill.ChatToken;
import dev.rill.GenerationRequest;
import dev.rill.Model;
import dev.rill.Prompt;
import java.util.List;
import org.reactivestreams.Publisher;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;

/**
 * The Reactive Streams TCK against {@link ReactiveModel#streamChat}: a conversation on the plus-one model behind
 * ChatML, each token one {@link dev.rill.ChatToken}.
 */
public class ChatStreamTckTest extends GenerationTckTest<ChatToken> {
    private Model model;
    private ReactiveModel reactive;

    @BeforeClass
    public void load() {
        model = Fixtures.plusOneChat(Fixtures.options(4096, 4).build());
        reactive = ReactiveModel.of(model);
    }

    @AfterClass
    public void close() {
        model.close();
    }

    @Override
    public Publisher<ChatToken> createPublisher(long elements) {
        return reactive.streamChat(GenerationRequest.builder(Prompt.chat(List.of(ChatMessage.user("Hi"))))
                .maxTokens(maxTokens(elements)).build());
    }
}
