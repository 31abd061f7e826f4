package dev.rill.internal.llama;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Proves at start-up that the loaded library lays out its parameter structs as a profile expects.
 *
 * <p>The default-parameter functions return their struct through a buffer the caller provides. The profile
 * provides one {@value #GUARD_BYTES} bytes longer than its struct and filled with a canary byte, so a library
 * whose struct is larger writes into the guard instead of past the buffer, and we see it. Then every field whose
 * default the profile documents is compared with what the library wrote: a field that moved shows up there.
 * One check collects every problem, so the error names them all.
 */
final class LayoutCheck {
    static final int GUARD_BYTES = 256;
    private static final byte CANARY = (byte) 0xA5;

    private final List<String> problems = new ArrayList<>();

    /** {@code struct} followed by the guard; the linker refuses trailing padding, so the guard is an array of longs. */
    static StructLayout guarded(StructLayout struct) {
        return MemoryLayout.structLayout(struct,
                MemoryLayout.sequenceLayout(GUARD_BYTES / Long.BYTES, ValueLayout.JAVA_LONG).withName("guard"));
    }

    /** An allocator that hands out one canary-filled buffer of {@code layout}'s size. */
    static SegmentAllocator canaryAllocator(Arena arena, MemoryLayout layout) {
        MemorySegment buffer = arena.allocate(layout);
        buffer.fill(CANARY);
        return (size, alignment) -> buffer.asSlice(0, size);
    }

    /** The problems found so far; empty when every check passed. */
    List<String> problems() {
        return problems;
    }

    void guard(MemorySegment segment, long structSize, String name) {
        for (long i = structSize; i < structSize + GUARD_BYTES; i++) {
            if (segment.get(ValueLayout.JAVA_BYTE, i) != CANARY) {
                problems.add(name + " is larger than " + structSize + " bytes (the library wrote byte " + i + ")");
                return;
            }
        }
    }

    void expectInt(MemorySegment s, long offset, int expected, String field) {
        int actual = s.get(ValueLayout.JAVA_INT, offset);
        if (actual != expected) {
            problems.add(field + " @" + offset + ": default " + actual + ", expected " + expected);
        }
    }

    void expectFloat(MemorySegment s, long offset, float expected, String field) {
        float actual = s.get(ValueLayout.JAVA_FLOAT, offset);
        if (Float.compare(actual, expected) != 0) {
            problems.add(field + " @" + offset + ": default " + actual + ", expected " + expected);
        }
    }

    void expectByte(MemorySegment s, long offset, int expected, String field) {
        int actual = s.get(ValueLayout.JAVA_BYTE, offset);
        if (actual != expected) {
            problems.add(field + " @" + offset + ": default " + actual + ", expected " + expected);
        }
    }
}
