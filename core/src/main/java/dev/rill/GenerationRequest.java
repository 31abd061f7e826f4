package dev.rill;

import dev.rill.sampling.Sampler;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Everything one generation needs: the prompt and how to continue it. Immutable; build one with
 * {@link #builder(Prompt)} or {@link #of(String)}.
 *
 * <p>Defaults: {@value #DEFAULT_MAX_TOKENS} tokens at most, no stop strings, {@link Sampler#greedy()}, a random
 * seed (reported in {@link GenerationResult#seed()}), no alternatives, no LoRA adapters; for a chat prompt with
 * tools, {@link ToolChoice#auto()}; the chat format detected from the template; no reasoning budget.
 */
public final class GenerationRequest {
    /** The default {@code maxTokens}. */
    public static final int DEFAULT_MAX_TOKENS = 256;
    /** The most alternatives a token can carry. */
    public static final int MAX_ALTERNATIVES = 64;

    private final Prompt prompt;
    private final int maxTokens;
    private final List<String> stopStrings;
    private final Sampler sampler;
    private final OptionalLong seed;
    private final int topAlternatives;
    private final AdapterSet adapters;
    private final ToolChoice toolChoice;
    private final ChatFormat chatFormat;
    private final int reasoningBudget;

    private GenerationRequest(Builder b) {
        this.prompt = b.prompt;
        this.maxTokens = b.maxTokens == null ? DEFAULT_MAX_TOKENS : b.maxTokens;
        this.stopStrings = List.copyOf(b.stopStrings);
        this.sampler = b.sampler == null ? Sampler.greedy() : b.sampler;
        this.seed = b.seed == null ? OptionalLong.empty() : OptionalLong.of(b.seed);
        this.topAlternatives = b.topAlternatives == null ? 0 : b.topAlternatives;
        this.adapters = b.adapters == null ? AdapterSet.none() : b.adapters;
        this.toolChoice = b.toolChoice == null ? ToolChoice.auto() : b.toolChoice;
        this.chatFormat = b.chatFormat;
        this.reasoningBudget = b.reasoningBudget == null ? -1 : b.reasoningBudget;
    }

    /** A copy of {@code other} that samples with {@code sampler}. */
    private GenerationRequest(GenerationRequest other, Sampler sampler) {
        this.prompt = other.prompt;
        this.maxTokens = other.maxTokens;
        this.stopStrings = other.stopStrings;
        this.sampler = sampler;
        this.seed = other.seed;
        this.topAlternatives = other.topAlternatives;
        this.adapters = other.adapters;
        this.toolChoice = other.toolChoice;
        this.chatFormat = other.chatFormat;
        this.reasoningBudget = other.reasoningBudget;
    }

    /** This request with another sampler (a chat generation wraps the caller's). */
    GenerationRequest withSampler(Sampler sampler) {
        return new GenerationRequest(this, Objects.requireNonNull(sampler, "sampler"));
    }

    /** A request for a text prompt with every default. */
    public static GenerationRequest of(String prompt) {
        return builder(Prompt.text(prompt)).build();
    }

    /** A builder for a text prompt. */
    public static Builder builder(String prompt) {
        return new Builder(Prompt.text(prompt));
    }

    /** A builder for any prompt. */
    public static Builder builder(Prompt prompt) {
        return new Builder(prompt);
    }

    /** What the generation continues. */
    public Prompt prompt() {
        return prompt;
    }

    /** The most tokens to generate. */
    public int maxTokens() {
        return maxTokens;
    }

    /** Strings that end the generation when they appear; never part of the output. */
    public List<String> stopStrings() {
        return stopStrings;
    }

    /** How each token is picked. */
    public Sampler sampler() {
        return sampler;
    }

    /** The sampler's seed, or empty for a random one. */
    public OptionalLong seed() {
        return seed;
    }

    /** How many alternatives each {@link StreamToken} carries. */
    public int topAlternatives() {
        return topAlternatives;
    }

    /** The LoRA adapters to run with; empty for the base model. */
    public AdapterSet adapters() {
        return adapters;
    }

    /** Whether and which tools the model may call; {@link ToolChoice#auto()} unless set. */
    public ToolChoice toolChoice() {
        return toolChoice;
    }

    /** The chat format to parse the output in, or null to detect it from the chat template. */
    public ChatFormat chatFormat() {
        return chatFormat;
    }

    /** The most tokens the model may spend thinking before its thinking is closed, or -1 for no limit. */
    public int reasoningBudget() {
        return reasoningBudget;
    }

    @Override
    public String toString() {
        return "GenerationRequest{prompt=" + prompt + ", maxTokens=" + maxTokens + ", stopStrings=" + stopStrings
                + ", sampler=" + sampler + ", seed=" + seed + ", topAlternatives=" + topAlternatives
                + ", adapters=" + adapters + ", toolChoice=" + toolChoice + ", chatFormat=" + chatFormat
                + ", reasoningBudget=" + reasoningBudget + '}';
    }

    /**
     * Builds a {@link GenerationRequest}. Every setter checks its argument at once and may be called once.
     */
    public static final class Builder {
        private final Prompt prompt;
        private Integer maxTokens;
        private final List<String> stopStrings = new ArrayList<>();
        private Sampler sampler;
        private Long seed;
        private Integer topAlternatives;
        private AdapterSet adapters;
        private ToolChoice toolChoice;
        private ChatFormat chatFormat;
        private Integer reasoningBudget;

        private Builder(Prompt prompt) {
            this.prompt = Objects.requireNonNull(prompt, "prompt");
        }

        /** The most tokens to generate, at least 1. */
        public Builder maxTokens(int maxTokens) {
            once(this.maxTokens, "maxTokens");
            if (maxTokens <= 0) {
                throw new IllegalArgumentException("maxTokens must be at least 1, was " + maxTokens);
            }
            this.maxTokens = maxTokens;
            return this;
        }

        /** Adds a stop string (not empty). May be called for several. */
        public Builder stop(String stop) {
            Objects.requireNonNull(stop, "stop");
            if (stop.isEmpty()) {
                throw new IllegalArgumentException("a stop string must not be empty");
            }
            if (!stopStrings.contains(stop)) {
                stopStrings.add(stop);
            }
            return this;
        }

        /** Adds stop strings. */
        public Builder stop(List<String> stops) {
            stops.forEach(this::stop);
            return this;
        }

        /** How each token is picked; default {@link Sampler#greedy()}. */
        public Builder sampler(Sampler sampler) {
            once(this.sampler, "sampler");
            this.sampler = Objects.requireNonNull(sampler, "sampler");
            return this;
        }

        /** The sampler's seed; the same seed, prompt and sampler give the same tokens. */
        public Builder seed(long seed) {
            once(this.seed, "seed");
            this.seed = seed;
            return this;
        }

        /** Ask each token to carry its {@code n} most likely alternatives, 0 to {@value GenerationRequest#MAX_ALTERNATIVES}. */
        public Builder topAlternatives(int n) {
            once(this.topAlternatives, "topAlternatives");
            if (n < 0 || n > MAX_ALTERNATIVES) {
                throw new IllegalArgumentException("topAlternatives must be in [0, " + MAX_ALTERNATIVES + "], was " + n);
            }
            this.topAlternatives = n;
            return this;
        }

        /**
         * The LoRA adapters (and scales) to generate with; default none. They must have been loaded for the model
         * that runs the request.
         */
        public Builder adapters(AdapterSet adapters) {
            once(this.adapters, "adapters");
            this.adapters = Objects.requireNonNull(adapters, "adapters");
            return this;
        }

        /**
         * Whether and which tools the model may call ({@link Model#submitChat}); default {@link ToolChoice#auto()}.
         * A choice other than {@code none} needs a chat prompt with tools; a named one, a tool of that name.
         */
        public Builder toolChoice(ToolChoice toolChoice) {
            once(this.toolChoice, "toolChoice");
            Objects.requireNonNull(toolChoice, "toolChoice");
            if (toolChoice instanceof ToolChoice.Required || toolChoice instanceof ToolChoice.Named) {
                if (!(prompt instanceof Prompt.Chat chat) || chat.tools().isEmpty()) {
                    throw new IllegalArgumentException("tool choice " + toolChoice + " needs a chat prompt with tools "
                            + "(Prompt.chatBuilder(messages).tools(...))");
                }
                if (toolChoice instanceof ToolChoice.Named named
                        && chat.tools().stream().noneMatch(t -> t.name().equals(named.name()))) {
                    throw new IllegalArgumentException("tool choice names '" + named.name() + "', which the prompt "
                            + "does not offer; it offers " + chat.tools().stream().map(ToolDefinition::name).toList());
                }
            }
            this.toolChoice = toolChoice;
            return this;
        }

        /** The chat format to parse the output in, instead of the one the template's markers imply. */
        public Builder chatFormat(ChatFormat chatFormat) {
            once(this.chatFormat, "chatFormat");
            this.chatFormat = Objects.requireNonNull(chatFormat, "chatFormat");
            return this;
        }

        /**
         * The most tokens the model may spend thinking, at least 0: when its thinking reaches this many tokens,
         * the thinking block is closed (its closing marker is written for the model) and the model goes on to the
         * answer. 0 closes it at once, which turns thinking off for any template. Default: no limit.
         */
        public Builder reasoningBudget(int tokens) {
            once(this.reasoningBudget, "reasoningBudget");
            if (tokens < 0) {
                throw new IllegalArgumentException("reasoningBudget must not be negative, was " + tokens);
            }
            this.reasoningBudget = tokens;
            return this;
        }

        /** The request. */
        public GenerationRequest build() {
            return new GenerationRequest(this);
        }

        private static void once(Object current, String name) {
            if (current != null) {
                throw new IllegalStateException(name + " was already set to " + current);
            }
        }
    }
}
