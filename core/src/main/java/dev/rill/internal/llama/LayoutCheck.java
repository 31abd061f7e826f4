package dev.rill.internal.llama;

import dev.rill.NativeLibraryException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Proves at start-up that the loaded library lays out its parameter structs as llama.cpp b4916 does.
 *
 * <p>The default-parameter functions return their struct through a buffer the caller provides. We provide
 * one {@value #GUARD_BYTES} bytes longer than b4916's struct and filled with a canary byte, so a library whose
 * struct is larger writes into the guard instead of past the buffer, and we see it. Then every field whose
 * default b4916 documents is compared with what the library wrote: a field that moved shows up there.
 */
final class LayoutCheck {
    private LayoutCheck() {
    }

    static final int GUARD_BYTES = 256;
    private static final byte CANARY = (byte) 0xA5;

    // The linker refuses trailing padding, so the guard is a named array of longs.
    static final StructLayout GUARDED_MODEL_PARAMS = MemoryLayout.structLayout(Layouts.MODEL_PARAMS,
            MemoryLayout.sequenceLayout(GUARD_BYTES / Long.BYTES, ValueLayout.JAVA_LONG).withName("guard"));
    static final StructLayout GUARDED_CONTEXT_PARAMS = MemoryLayout.structLayout(Layouts.CONTEXT_PARAMS,
            MemoryLayout.sequenceLayout(GUARD_BYTES / Long.BYTES, ValueLayout.JAVA_LONG).withName("guard"));

    /** Throws {@link NativeLibraryException} naming every mismatch; returns quietly when all match. */
    static void verify(String library) {
        List<String> problems = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment model = Llama.modelDefaultParams(canaryAllocator(arena, GUARDED_MODEL_PARAMS));
            checkGuard(model, Layouts.MODEL_PARAMS.byteSize(), "llama_model_params", problems);
            expectByte(model, Layouts.MP_VOCAB_ONLY, 0, "llama_model_params.vocab_only", problems);
            expectByte(model, Layouts.MP_USE_MMAP, 1, "llama_model_params.use_mmap", problems);
            expectByte(model, Layouts.MP_USE_MLOCK, 0, "llama_model_params.use_mlock", problems);
            expectByte(model, Layouts.MP_CHECK_TENSORS, 0, "llama_model_params.check_tensors", problems);
            expectInt(model, Layouts.MP_SPLIT_MODE, 1, "llama_model_params.split_mode", problems);

            MemorySegment context = Llama.contextDefaultParams(canaryAllocator(arena, GUARDED_CONTEXT_PARAMS));
            checkGuard(context, Layouts.CONTEXT_PARAMS.byteSize(), "llama_context_params", problems);
            expectInt(context, Layouts.CP_N_CTX, 512, "llama_context_params.n_ctx", problems);
            expectInt(context, Layouts.CP_N_BATCH, 2048, "llama_context_params.n_batch", problems);
            expectInt(context, Layouts.CP_N_UBATCH, 512, "llama_context_params.n_ubatch", problems);
            expectInt(context, Layouts.CP_N_SEQ_MAX, 1, "llama_context_params.n_seq_max", problems);
            expectFloat(context, Layouts.CP_YARN_EXT_FACTOR, -1f, "llama_context_params.yarn_ext_factor", problems);
            expectFloat(context, Layouts.CP_YARN_ATTN_FACTOR, 1f, "llama_context_params.yarn_attn_factor", problems);
            expectFloat(context, Layouts.CP_YARN_BETA_FAST, 32f, "llama_context_params.yarn_beta_fast", problems);
            expectFloat(context, Layouts.CP_YARN_BETA_SLOW, 1f, "llama_context_params.yarn_beta_slow", problems);
            expectFloat(context, Layouts.CP_DEFRAG_THOLD, -1f, "llama_context_params.defrag_thold", problems);
            expectInt(context, Layouts.CP_TYPE_K, Layouts.GGML_TYPE_F16, "llama_context_params.type_k", problems);
            expectInt(context, Layouts.CP_TYPE_V, Layouts.GGML_TYPE_F16, "llama_context_params.type_v", problems);
            expectByte(context, Layouts.CP_OFFLOAD_KQV, 1, "llama_context_params.offload_kqv", problems);
            expectByte(context, Layouts.CP_FLASH_ATTN, 0, "llama_context_params.flash_attn", problems);
            expectByte(context, Layouts.CP_NO_PERF, 1, "llama_context_params.no_perf", problems);
        }
        if (!problems.isEmpty()) {
            throw new NativeLibraryException("The llama.cpp library at " + library + " does not match the struct layouts of tag "
                    + NativeLibraryLocator.LLAMA_TAG + ", the only version Rill speaks:\n  " + String.join("\n  ", problems)
                    + "\nUse a build of llama.cpp " + NativeLibraryLocator.LLAMA_TAG + ".");
        }
    }

    static SegmentAllocator canaryAllocator(Arena arena, MemoryLayout layout) {
        MemorySegment buffer = arena.allocate(layout);
        buffer.fill(CANARY);
        return (size, alignment) -> buffer.asSlice(0, size);
    }

    private static void checkGuard(MemorySegment segment, long structSize, String name, List<String> problems) {
        for (long i = structSize; i < structSize + GUARD_BYTES; i++) {
            if (segment.get(ValueLayout.JAVA_BYTE, i) != CANARY) {
                problems.add(name + " is larger than " + structSize + " bytes (the library wrote byte " + i + ")");
                return;
            }
        }
    }

    private static void expectInt(MemorySegment s, long offset, int expected, String field, List<String> problems) {
        int actual = s.get(ValueLayout.JAVA_INT, offset);
        if (actual != expected) {
            problems.add(field + " @" + offset + ": default " + actual + ", expected " + expected);
        }
    }

    private static void expectFloat(MemorySegment s, long offset, float expected, String field, List<String> problems) {
        float actual = s.get(ValueLayout.JAVA_FLOAT, offset);
        if (Float.compare(actual, expected) != 0) {
            problems.add(field + " @" + offset + ": default " + actual + ", expected " + expected);
        }
    }

    private static void expectByte(MemorySegment s, long offset, int expected, String field, List<String> problems) {
        int actual = s.get(ValueLayout.JAVA_BYTE, offset);
        if (actual != expected) {
            problems.add(field + " @" + offset + ": default " + actual + ", expected " + expected);
        }
    }
}
