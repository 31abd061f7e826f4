package dev.rill.sampling;

/** Picks the token with the highest logit; stateless, so one instance serves every sequence. */
final class GreedySampler implements Sampler, SequenceSampler {
    static final GreedySampler INSTANCE = new GreedySampler(Kernels.best());
    private static final GreedySampler SCALAR = new GreedySampler(Kernels.SCALAR);

    private final Kernels kernels;

    private GreedySampler(Kernels kernels) {
        this.kernels = kernels;
    }

    @Override
    public SequenceSampler newSequence(long seed) {
        return Kernels.current() == kernels ? this : Kernels.current() == Kernels.SCALAR ? SCALAR : INSTANCE;
    }

    @Override
    public TokenChoice choose(Logits logits) {
        return new TokenChoice(kernels.argmax(logits.array(), logits.size()), 1f);
    }

    @Override
    public String toString() {
        return "Sampler.greedy()";
    }
}
