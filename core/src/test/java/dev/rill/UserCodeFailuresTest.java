package dev.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.rill.sampling.Sampler;
import dev.rill.sampling.SequenceSampler;
import dev.rill.sampling.TokenChoice;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * User code that runs on the engine thread (samplers, their factories, demands) ends its own sequence whatever it
 * throws, errors included; the stream beside it and the model go on.
 */
class UserCodeFailuresTest {
    private Model model;

    @BeforeEach
    void load() {
        model = Model.load(RiggedFiles.plusOne(), RiggedFiles.smallOptions(1024).parallelSequences(2).build());
    }

    @AfterEach
    void close() {
        model.close();
    }

    /** A greedy sampler that throws {@code error} at its third choice. */
    private static Sampler failingAtTheThirdToken(Error error) {
        return seed -> new SequenceSampler() {
            private final SequenceSampler greedy = Sampler.greedy().newSequence(seed);
            private int choices;

            @Override
            public TokenChoice choose(dev.rill.sampling.Logits logits) {
                if (++choices == 3) {
                    throw error;
                }
                return greedy.choose(logits);
            }
        };
    }

    /**
     * Runs a 200-token stream and, once it is under way, {@code failing} beside it; checks that the failing one
     * ended with {@code error} and the other ran to its end.
     */
    private void endsOnlyItsOwnSequence(GenerationRequest failingRequest, Demand failingDemand, Error error)
            throws Exception {
        CountDownLatch failingSubmitted = new CountDownLatch(1);
        Generation bystander = model.submit(GenerationRequest.builder("abc").maxTokens(200).build(), (token, g) -> {
            if (token.index() == 0) {
                try {
                    failingSubmitted.await(10, TimeUnit.SECONDS); // the failing one joins while this one runs
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        Generation failing = model.submit(failingRequest, TokenCallback.ignore(), failingDemand);
        failingSubmitted.countDown();

        GenerationResult failed = failing.result().get(30, TimeUnit.SECONDS);
        assertEquals(FinishReason.ERROR, failed.finishReason());
        assertEquals(error, failed.failure().orElseThrow());
        GenerationResult other = bystander.result().get(30, TimeUnit.SECONDS);
        assertEquals(FinishReason.MAX_TOKENS, other.finishReason(), () -> "the bystander ended with " + other.failure());
        assertFalse(model.isClosed());
        assertEquals("defg", model.generate(GenerationRequest.builder("abc").maxTokens(4).build(),
                TokenCallback.ignore()).text(), "the model still serves new requests");
    }

    @Test
    void anErrorFromASamplerEndsOnlyItsOwnSequence() throws Exception {
        AssertionError error = new AssertionError("sampler broke");
        endsOnlyItsOwnSequence(GenerationRequest.builder("xyz").maxTokens(50).sampler(failingAtTheThirdToken(error))
                .build(), Demand.unbounded(), error);
    }

    @Test
    void anErrorFromADemandEndsOnlyItsOwnSequence() throws Exception {
        AssertionError error = new AssertionError("demand broke");
        int[] asked = {0};
        Demand demand = () -> {
            if (++asked[0] == 3) {
                throw error;
            }
            return true;
        };
        endsOnlyItsOwnSequence(GenerationRequest.builder("xyz").maxTokens(50).build(), demand, error);
    }

    @Test
    void aSamplerFactoryThatThrowsAnErrorStillCompletesTheRequest() throws Exception {
        AssertionError error = new AssertionError("factory broke");
        Sampler broken = seed -> {
            throw error;
        };
        Generation generation = model.submit(GenerationRequest.builder("abc").sampler(broken).build(),
                TokenCallback.ignore());
        GenerationResult result = generation.result().get(30, TimeUnit.SECONDS);
        assertEquals(FinishReason.ERROR, result.finishReason());
        assertInstanceOf(RillException.class, result.failure().orElseThrow());
        assertEquals(error, result.failure().orElseThrow().getCause());
        assertFalse(model.isClosed());
        assertEquals("defg", model.generate(GenerationRequest.builder("abc").maxTokens(4).build(),
                TokenCallback.ignore()).text());
    }

    @Test
    void anErrorFromClosingASamplerLeavesTheResultAndTheModelAlone() throws Exception {
        Sampler closesBadly = seed -> new SequenceSampler() {
            private final SequenceSampler greedy = Sampler.greedy().newSequence(seed);

            @Override
            public TokenChoice choose(dev.rill.sampling.Logits logits) {
                return greedy.choose(logits);
            }

            @Override
            public void close() {
                throw new AssertionError("close broke");
            }
        };
        GenerationResult result = model.submit(GenerationRequest.builder("abc").maxTokens(4).sampler(closesBadly)
                .build(), TokenCallback.ignore()).result().get(30, TimeUnit.SECONDS);
        assertEquals(FinishReason.MAX_TOKENS, result.finishReason());
        assertEquals("defg", result.text());
        assertFalse(model.isClosed());
    }
}
