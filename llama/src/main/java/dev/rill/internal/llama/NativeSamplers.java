package dev.rill.internal.llama;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;

/**
 * llama.cpp's {@code llama_sampler_*} functions: its grammar sampler, which Rill uses for constrained
 * output, and its other samplers, which tests and benchmarks compare Rill's Java samplers against.
 *
 * <p>A sampler is a {@code struct llama_sampler *}, returned as a {@link MemorySegment}; free it with
 * {@link #free} unless a chain owns it. Call {@link LlamaRuntime#initialize} before anything here. Nothing
 * here is thread-safe: one sampler, one thread at a time.
 */
public final class NativeSamplers {
    private NativeSamplers() {
    }

    private static final Linker LINKER = Linker.nativeLinker();

    /** {@code llama_token_data {llama_token id; float logit; float p;}}. */
    public static final StructLayout TOKEN_DATA = MemoryLayout.structLayout(
            JAVA_INT.withName("id"), JAVA_FLOAT.withName("logit"), JAVA_FLOAT.withName("p"));
    /** {@code llama_token_data_array {llama_token_data * data; size_t size; int64_t selected; bool sorted;}}. */
    public static final StructLayout TOKEN_DATA_ARRAY = MemoryLayout.structLayout(
            ADDRESS.withName("data"), JAVA_LONG.withName("size"), JAVA_LONG.withName("selected"),
            JAVA_BOOLEAN.withName("sorted"), MemoryLayout.paddingLayout(7));
    private static final StructLayout CHAIN_PARAMS = MemoryLayout.structLayout(JAVA_BOOLEAN.withName("no_perf"));

    // struct llama_sampler * llama_sampler_init_greedy(void);
    private static final MethodHandle INIT_GREEDY = Llama.downcall("llama_sampler_init_greedy", FunctionDescriptor.of(ADDRESS));
    // struct llama_sampler * llama_sampler_init_dist(uint32_t seed);
    private static final MethodHandle INIT_DIST = Llama.downcall("llama_sampler_init_dist", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    // struct llama_sampler * llama_sampler_init_top_k(int32_t k);
    private static final MethodHandle INIT_TOP_K = Llama.downcall("llama_sampler_init_top_k", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    // struct llama_sampler * llama_sampler_init_top_p(float p, size_t min_keep);
    private static final MethodHandle INIT_TOP_P =
            Llama.downcall("llama_sampler_init_top_p", FunctionDescriptor.of(ADDRESS, JAVA_FLOAT, JAVA_LONG));
    // struct llama_sampler * llama_sampler_init_min_p(float p, size_t min_keep);
    private static final MethodHandle INIT_MIN_P =
            Llama.downcall("llama_sampler_init_min_p", FunctionDescriptor.of(ADDRESS, JAVA_FLOAT, JAVA_LONG));
    // struct llama_sampler * llama_sampler_init_typical(float p, size_t min_keep);
    private static final MethodHandle INIT_TYPICAL =
            Llama.downcall("llama_sampler_init_typical", FunctionDescriptor.of(ADDRESS, JAVA_FLOAT, JAVA_LONG));
    // struct llama_sampler * llama_sampler_init_temp(float t);
    private static final MethodHandle INIT_TEMP = Llama.downcall("llama_sampler_init_temp", FunctionDescriptor.of(ADDRESS, JAVA_FLOAT));
    // struct llama_sampler * llama_sampler_init_grammar(const struct llama_vocab * vocab, const char * grammar_str,
    //                                                  const char * grammar_root);
    private static final MethodHandle INIT_GRAMMAR =
            Llama.downcall("llama_sampler_init_grammar", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    // struct llama_sampler * llama_sampler_chain_init(struct llama_sampler_chain_params params);
    private static final MethodHandle CHAIN_INIT = Llama.downcall("llama_sampler_chain_init", FunctionDescriptor.of(ADDRESS, CHAIN_PARAMS));
    // void llama_sampler_chain_add(struct llama_sampler * chain, struct llama_sampler * smpl);
    private static final MethodHandle CHAIN_ADD = Llama.downcall("llama_sampler_chain_add", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
    // void llama_sampler_apply(struct llama_sampler * smpl, llama_token_data_array * cur_p);
    private static final MethodHandle APPLY = Llama.downcall("llama_sampler_apply", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
    // void llama_sampler_accept(struct llama_sampler * smpl, llama_token token);
    private static final MethodHandle ACCEPT = Llama.downcall("llama_sampler_accept", FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT));
    // void llama_sampler_free(struct llama_sampler * smpl);
    private static final MethodHandle FREE = Llama.downcall("llama_sampler_free", FunctionDescriptor.ofVoid(ADDRESS));

    /** {@code llama_sampler_init_greedy()}. */
    public static MemorySegment greedy() {
        try {
            return (MemorySegment) INIT_GREEDY.invokeExact();
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    /** {@code llama_sampler_init_dist(seed)}: softmax, then a draw with {@code std::mt19937}. */
    public static MemorySegment dist(int seed) {
        try {
            return (MemorySegment) INIT_DIST.invokeExact(seed);
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    /**
     * {@code llama_sampler_init_softmax()}: sorts by logit and fills in the probabilities. b4916 only: the
     * current release removed it.
     *
     * @throws UnsupportedOperationException on the current release
     */
    public static MemorySegment softmax() {
        var symbol = LlamaRuntime.symbols().find("llama_sampler_init_softmax");
        if (symbol.isEmpty()) {
            throw new UnsupportedOperationException("llama.cpp " + LlamaRuntime.runtime().release()
                    + " has no softmax sampler (it was removed after b4916)");
        }
        try {
            return (MemorySegment) LINKER.downcallHandle(symbol.get(), FunctionDescriptor.of(ADDRESS)).invokeExact();
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    /** {@code llama_sampler_init_top_k(k)}. */
    public static MemorySegment topK(int k) {
        try {
            return (MemorySegment) INIT_TOP_K.invokeExact(k);
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    /** {@code llama_sampler_init_top_p(p, minKeep)}. */
    public static MemorySegment topP(float p, long minKeep) {
        try {
            return (MemorySegment) INIT_TOP_P.invokeExact(p, minKeep);
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    /** {@code llama_sampler_init_min_p(p, minKeep)}. */
    public static MemorySegment minP(float p, long minKeep) {
        try {
            return (MemorySegment) INIT_MIN_P.invokeExact(p, minKeep);
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    /** {@code llama_sampler_init_typical(p, minKeep)}; note that minKeep 0 keeps every token in b4916. */
    public static MemorySegment typical(float p, long minKeep) {
        try {
            return (MemorySegment) INIT_TYPICAL.invokeExact(p, minKeep);
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    /** {@code llama_sampler_init_temp(t)}. */
    public static MemorySegment temperature(float t) {
        try {
            return (MemorySegment) INIT_TEMP.invokeExact(t);
        } catch (Throwable t2) {
            throw Llama.rethrow(t2);
        }
    }

    /**
     * {@code llama_sampler_init_penalties} over the last {@code lastN} tokens (the current release also takes the
     * vocabulary size).
     */
    public static MemorySegment penalties(int vocabSize, int lastN, float repeat, float frequency, float presence) {
        return LlamaRuntime.binding().penaltiesSampler(vocabSize, lastN, repeat, frequency, presence);
    }

    /**
     * {@code llama_sampler_init_grammar(vocab, gbnf, "root")} for {@code model}'s vocabulary. The sampler keeps
     * a pointer to the vocabulary: free it before the model.
     *
     * <p>Check the grammar first ({@code dev.rill.internal.grammar.GbnfValidator}): when b4916 cannot parse it,
     * it prints the reason to standard error and still returns a sampler, one without a grammar that lets every
     * token through, and some grammars it accepts (indirect left recursion) make it recurse without end.
     */
    public static MemorySegment grammar(LlamaModelHandle model, String gbnf) {
        MemorySegment sampler;
        try (Arena arena = Arena.ofConfined()) {
            sampler = (MemorySegment) INIT_GRAMMAR.invokeExact(model.vocabPointer(), arena.allocateFrom(gbnf),
                    arena.allocateFrom("root"));
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
        if (sampler.equals(MemorySegment.NULL)) {
            throw new IllegalStateException("llama.cpp could not create a grammar sampler");
        }
        return sampler;
    }

    /** {@code llama_sampler_chain_init} with performance counters off. */
    public static MemorySegment chain() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = arena.allocate(CHAIN_PARAMS);
            params.set(JAVA_BOOLEAN, 0, true);
            return (MemorySegment) CHAIN_INIT.invokeExact(params);
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    /** {@code llama_sampler_chain_add}: the chain now owns {@code sampler}. */
    public static void add(MemorySegment chain, MemorySegment sampler) {
        try {
            CHAIN_ADD.invokeExact(chain, sampler);
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    /** {@code llama_sampler_apply(sampler, array)}, {@code array} a {@link TokenArray#pointer()}. */
    public static void apply(MemorySegment sampler, MemorySegment array) {
        try {
            APPLY.invokeExact(sampler, array);
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    /**
     * {@code llama_sampler_accept}. For a grammar sampler the token must be one its last apply allowed:
     * llama.cpp aborts the process otherwise.
     */
    public static void accept(MemorySegment sampler, int token) {
        try {
            ACCEPT.invokeExact(sampler, token);
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    /** {@code llama_sampler_free}. */
    public static void free(MemorySegment sampler) {
        try {
            FREE.invokeExact(sampler);
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    /**
     * A {@code llama_token_data_array} and its data in native memory, with room for {@code capacity} tokens.
     * Not thread-safe; close it to free the memory.
     */
    public static final class TokenArray implements AutoCloseable {
        private static final long STRIDE = TOKEN_DATA.byteSize();
        private final Arena arena = Arena.ofShared();
        private final MemorySegment header;
        private final MemorySegment data;
        private final int capacity;

        public TokenArray(int capacity) {
            if (capacity <= 0) {
                throw new IllegalArgumentException("capacity must be positive, was " + capacity);
            }
            this.capacity = capacity;
            this.header = arena.allocate(TOKEN_DATA_ARRAY);
            this.data = arena.allocate(TOKEN_DATA, capacity);
            header.set(ADDRESS, 0, data);
        }

        /** Loads tokens 0..size-1 with {@code logits}, probabilities 0, nothing selected, not sorted. */
        public void fill(float[] logits, int size) {
            if (size > capacity) {
                throw new IllegalArgumentException("size " + size + " is over the capacity " + capacity);
            }
            MemorySegment d = data;
            for (int i = 0; i < size; i++) {
                long at = i * STRIDE;
                d.set(JAVA_INT, at, i);
                d.set(JAVA_FLOAT, at + 4, logits[i]);
                d.set(JAVA_FLOAT, at + 8, 0f);
            }
            reset(size);
        }

        /**
         * Rewrites only the logits of tokens 0..size-1, for an array whose ids were set by {@link #fill} and that
         * samplers neither reordered nor shrank (a grammar sampler only masks), and resets the header.
         */
        public void refillLogits(float[] logits, int size) {
            if (size > capacity) {
                throw new IllegalArgumentException("size " + size + " is over the capacity " + capacity);
            }
            MemorySegment d = data;
            for (int i = 0; i < size; i++) {
                d.set(JAVA_FLOAT, i * STRIDE + 4, logits[i]);
            }
            reset(size);
        }

        /** Copies {@code other}'s tokens (a memcpy) and resets the header as {@link #fill} does. */
        public void copyFrom(TokenArray other) {
            int size = other.size();
            if (size > capacity) {
                throw new IllegalArgumentException("size " + size + " is over the capacity " + capacity);
            }
            MemorySegment.copy(other.data, 0, data, 0, size * STRIDE);
            reset(size);
        }

        private void reset(int size) {
            header.set(ADDRESS, 0, data);
            header.set(JAVA_LONG, 8, size);
            header.set(JAVA_LONG, 16, -1L);
            header.set(JAVA_BOOLEAN, 24, false);
        }

        /** The {@code llama_token_data_array *} to pass to {@link NativeSamplers#apply}. */
        public MemorySegment pointer() {
            return header;
        }

        /** The current size, which samplers shrink. */
        public int size() {
            return (int) header.get(JAVA_LONG, 8);
        }

        /** The index of the selected entry, or -1. */
        public long selected() {
            return header.get(JAVA_LONG, 16);
        }

        /** Whether llama.cpp marked the entries sorted by descending logit. */
        public boolean sorted() {
            return header.get(JAVA_BOOLEAN, 24);
        }

        public int id(int i) {
            return data.get(JAVA_INT, i * STRIDE);
        }

        public float logit(int i) {
            return data.get(JAVA_FLOAT, i * STRIDE + 4);
        }

        public float probability(int i) {
            return data.get(JAVA_FLOAT, i * STRIDE + 8);
        }

        @Override
        public void close() {
            arena.close();
        }
    }
}
