package dev.rill.internal.engine;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.rill.FinishReason;
import dev.rill.StreamToken;
import dev.rill.TokenAlternative;
import dev.rill.internal.llama.LlamaContextHandle;
import dev.rill.sampling.Logits;
import dev.rill.sampling.TokenChoice;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Turns a decoded row of logits into a {@link StreamToken} for one sequence: copies the row into the sequence's
 * buffer, lets its sampler choose, assembles UTF-8, holds back what may start a stop string, decides whether the
 * token ends the generation, and calls the sequence's callback. Engine thread only.
 */
final class TokenEmitter {
    /** Ends a sequence: the engine's, which frees its slot and cells. */
    interface Finisher {
        void finish(Sequence sequence, FinishReason reason, Throwable failure);
    }

    private final LlamaContextHandle context;
    private final int vocab;
    private final int sequenceContext;
    private final EngineStatistics statistics;
    private final Finisher finisher;

    TokenEmitter(LlamaContextHandle context, int vocab, int sequenceContext, EngineStatistics statistics,
                 Finisher finisher) {
        this.context = context;
        this.vocab = vocab;
        this.sequenceContext = sequenceContext;
        this.statistics = statistics;
        this.finisher = finisher;
    }

    /**
     * Samples the token of {@code sequence} from batch entry {@code index} and hands it to the callback. Ends
     * the sequence through the finisher when the token ends it, or when its sampler or callback fails; otherwise
     * leaves the token pending for the next step.
     */
    void emit(Sequence sequence, int index) {
        MemorySegment row;
        TokenChoice choice;
        List<TokenAlternative> alternatives = List.of();
        try {
            row = context.logits(index);
            Logits logits = sequence.logits;
            logits.resize(vocab);
            MemorySegment.copy(row, JAVA_FLOAT, 0, logits.array(), 0, vocab);
            int wanted = sequence.request.topAlternatives();
            if (wanted > 0) {
                alternatives = Alternatives.top(logits.array(), vocab, wanted, context::piece);
            }
            choice = sequence.sampler.choose(logits);
            if (choice == null || choice.token() >= vocab) {
                throw new IllegalStateException("the sampler chose " + (choice == null ? "nothing"
                        : "token id " + choice.token() + ", outside the vocabulary [0, " + vocab + ")"));
            }
            sequence.sampler.accept(choice.token());
        } catch (Throwable e) { // the sampler is user code: whatever it throws ends this sequence only
            finisher.finish(sequence, FinishReason.ERROR, e);
            return;
        }
        int token = choice.token();
        float logit = row.getAtIndex(JAVA_FLOAT, token);
        long now = System.nanoTime();
        if (sequence.firstTokenNanos == 0) {
            sequence.firstTokenNanos = now;
        }
        sequence.lastTokenNanos = now;
        sequence.generated++;
        sequence.recordGenerated(token);
        statistics.generatedToken();

        boolean endOfGeneration = context.isEndOfGeneration(token);
        String piece = endOfGeneration ? "" : sequence.utf8.append(context.piece(token));
        StopMatcher.Result offered = sequence.stops.offer(piece);
        String released = offered.released();
        FinishReason reason = null;
        if (offered.stopped()) {
            reason = FinishReason.STOP_STRING;
        } else {
            if (endOfGeneration) {
                reason = FinishReason.END_OF_SEQUENCE;
            } else if (sequence.generated >= sequence.request.maxTokens()) {
                reason = FinishReason.MAX_TOKENS;
            } else if (sequence.nextPosition >= sequenceContext) {
                reason = FinishReason.CONTEXT_FULL;
            }
            if (reason != null) {
                StopMatcher.Result tail = sequence.stops.offer(sequence.utf8.finish());
                released += tail.released();
                if (tail.stopped()) {
                    reason = FinishReason.STOP_STRING;
                } else {
                    released += sequence.stops.flush();
                }
            }
        }
        StreamToken streamToken = new StreamToken(sequence.generated - 1, token, released, choice.probability(), logit,
                endOfGeneration, alternatives);
        try {
            sequence.callback.onToken(streamToken, sequence);
        } catch (Throwable t) {
            finisher.finish(sequence, FinishReason.ERROR, t);
            return;
        }
        sequence.text.append(released);
        if (reason != null) {
            finisher.finish(sequence, reason, null);
        } else if (sequence.cancelRequested()) {
            finisher.finish(sequence, FinishReason.CANCELLED, null);
        } else {
            sequence.pendingToken = token;
        }
    }
}
