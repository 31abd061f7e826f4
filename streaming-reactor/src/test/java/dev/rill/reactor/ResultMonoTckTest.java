package dev.rill.reactor;

import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.Model;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import org.reactivestreams.tck.TestEnvironment;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;

/** The Reactive Streams TCK against {@link ReactiveModel#generate}: one result per subscription. */
public class ResultMonoTckTest extends PublisherVerification<GenerationResult> {
    private Model model;
    private ReactiveModel reactive;

    public ResultMonoTckTest() {
        super(new TestEnvironment(5_000, 100));
    }

    @BeforeClass
    public void load() {
        model = Fixtures.plusOne(Fixtures.options(512, 4).build());
        reactive = ReactiveModel.of(model);
    }

    @AfterClass
    public void close() {
        model.close();
    }

    @Override
    public long maxElementsFromPublisher() {
        return 1;
    }

    @Override
    public Publisher<GenerationResult> createPublisher(long elements) {
        return reactive.generate(GenerationRequest.builder("abc").maxTokens(8).build());
    }

    /**
     * None: the request is submitted, and so refused, only on the first {@code request(n)}, while the TCK's
     * failed-publisher checks expect {@code onError} without any request. ErrorsTest covers every refusal.
     */
    @Override
    public Publisher<GenerationResult> createFailedPublisher() {
        return null;
    }
}
