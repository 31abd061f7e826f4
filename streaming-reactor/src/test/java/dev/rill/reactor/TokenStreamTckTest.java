package dev.rill.reactor;

import dev.rill.GenerationRequest;
import dev.rill.Model;
import dev.rill.StreamToken;
import org.reactivestreams.Publisher;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;

/** The Reactive Streams TCK against {@link ReactiveModel#stream}: greedy generation on the plus-one model. */
public class TokenStreamTckTest extends GenerationTckTest<StreamToken> {
    private Model model;
    private ReactiveModel reactive;

    @BeforeClass
    public void load() {
        model = Fixtures.plusOne(Fixtures.options(4096, 4).build());
        reactive = ReactiveModel.of(model);
    }

    @AfterClass
    public void close() {
        model.close();
    }

    @Override
    public Publisher<StreamToken> createPublisher(long elements) {
        return reactive.stream(GenerationRequest.builder("abc").maxTokens(maxTokens(elements)).build());
    }
}
