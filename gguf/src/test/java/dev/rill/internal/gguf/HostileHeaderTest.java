package dev.rill.internal.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Headers that claim what their bytes cannot hold, each a finding of {@link GgufHeaderFuzzTest} or of reading the
 * reader against llama.cpp's {@code gguf_init_from_file_impl}: every one is a {@link GgufHeader.FormatException},
 * never another exception, a silent pass or an allocation the file does not pay for.
 */
class HostileHeaderTest {
    private static final Path NAME = Path.of("hostile.gguf");

    /** Little-endian GGUF bytes. */
    private static final class Bytes {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Bytes header(long tensors, long kvs) {
            return raw("GGUF".getBytes(StandardCharsets.US_ASCII)).i32(3).u64(tensors).u64(kvs);
        }

        Bytes raw(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        Bytes i32(int v) {
            return raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
        }

        Bytes u64(long v) {
            return raw(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        }

        Bytes string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return u64(b.length).raw(b);
        }

        /** A tensor info: name, dims, type, offset. */
        Bytes tensor(String name, int type, long offset, long... dims) {
            string(name).i32(dims.length);
            for (long d : dims) {
                u64(d);
            }
            return i32(type).u64(offset);
        }

        Bytes pad(int n) {
            return raw(new byte[n]);
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    private static String refusal(byte[] bytes) {
        return assertThrows(GgufHeader.FormatException.class, () -> GgufHeader.read(NAME,
                new ByteArrayInputStream(bytes), bytes.length).checkComplete()).getMessage();
    }

    @Test
    void aTensorCountOf2To63OrMoreIsRefusedNotPassedToArrayList() {
        // Found by the fuzzer: the count read as a negative long passed the size check and ArrayList threw.
        String message = refusal(new Bytes().header(-2, 0).pad(64).bytes());
        assertTrue(message.contains("claims 18446744073709551614 tensors and 0 metadata entries"), message);
        assertTrue(refusal(new Bytes().header(0, -1).pad(64).bytes()).contains("metadata entries"));
    }

    @Test
    void anArrayLengthOf2To63OrMoreIsRefused() {
        String message = refusal(new Bytes().header(0, 1).string("a").i32(9).i32(0).u64(-5).pad(32).bytes());
        assertTrue(message.contains("array 'a' claims 18446744073709551611 elements"), message);
    }

    @Test
    void aTensorWhoseElementCountOverflowsIsRefusedWithoutAnArithmeticException() {
        String message = refusal(new Bytes().header(1, 0)
                .tensor("t", 0, 0, 1L << 32, 1L << 32).pad(64).bytes());
        assertEquals("tensor 't' has more than 2^63 elements", message);
    }

    @Test
    void aTensorWhoseByteSizeOverflowsIsRefusedInsteadOfSkippedAsUnknown() {
        // 2^62 F32 values are 2^64 bytes: the size wrapped to a negative number, which checkComplete took for a
        // tensor of unknown type and let through.
        String message = refusal(new Bytes().header(1, 0).tensor("t", 0, 0, 1L << 62).pad(64).bytes());
        assertEquals("tensor 't' has more than 2^63 bytes", message);
    }

    @Test
    void aTensorOffsetOf2To63OrMoreIsRefused() {
        String message = refusal(new Bytes().header(1, 0).tensor("t", 0, -32, 8).pad(64).bytes());
        assertTrue(message.contains("has offset 18446744073709551584"), message);
    }

    @Test
    void aTensorWhoseEndOverflowsIsReportedAsTruncated() {
        // Offset and size each below 2^63, their sum above: the end wrapped negative and passed the check.
        String message = refusal(new Bytes().header(1, 0)
                .tensor("t", 0, Long.MAX_VALUE / 64 * 32, Long.MAX_VALUE / 8 + 1).pad(64).bytes());
        assertTrue(message.contains("ends at byte 2^63 or beyond"), message);
    }

    @Test
    void rowsThatAreNotWholeBlocksAreRefusedAsLlamaCppRefusesThem() {
        String message = refusal(new Bytes().header(1, 0).tensor("t", 8, 0, 33).pad(64).bytes());
        assertTrue(message.contains("not a multiple of the type's block of 32"), message);
    }

    @Test
    void duplicateKeysAndTensorsEmptyKeysAndLongNamesAreRefusedAsLlamaCppRefusesThem() {
        assertEquals("metadata key 'k' appears twice", refusal(new Bytes().header(0, 2)
                .string("k").i32(4).i32(1).string("k").i32(8).string("x").pad(32).bytes()));
        assertEquals("metadata key 0 is empty", refusal(new Bytes().header(0, 1).string("").i32(4).i32(1).pad(32).bytes()));
        assertEquals("tensor 't' appears twice", refusal(new Bytes().header(2, 0)
                .tensor("t", 0, 0, 8).tensor("t", 0, 32, 8).pad(64).bytes()));
        String message = refusal(new Bytes().header(1, 0).tensor("n".repeat(64), 0, 0, 8).pad(64).bytes());
        assertTrue(message.contains("has 64 bytes; ggml keeps at most 63"), message);
    }

    @Test
    void anAlignmentStoredAsAnotherTypeThanUint32IsRefused() {
        // As a float, 64.0 used to be taken as alignment 64; llama.cpp refuses the file.
        String message = refusal(new Bytes().header(0, 1).string("general.alignment").i32(6)
                .i32(Float.floatToIntBits(64f)).pad(32).bytes());
        assertEquals("general.alignment has GGUF value type 6, not UINT32 (4)", message);
    }

    @Test
    void aFourGibibyteStringIsRefusedBeforeAllocatingEvenInALargerFile() {
        // The file claims 8 GiB, so the length fits in it: llama.cpp's 1 GiB limit refuses it before any allocation.
        byte[] head = new Bytes().header(0, 1).u64(4L << 30).bytes();
        InputStream endless = new SequenceInputStream(new ByteArrayInputStream(head), InputStream.nullInputStream());
        var error = assertThrows(GgufHeader.FormatException.class, () -> GgufHeader.read(NAME, endless, 8L << 30));
        assertTrue(error.getMessage().contains("is too long (4294967296 bytes; llama.cpp reads at most 1073741824)"),
                error.getMessage());
    }

    @Test
    void aLongKeyWithALongArrayReadsInLinearTime() {
        // Each element's name for an error message was built eagerly: key length times array length characters
        // (here 64 KiB x 1 Mi = 64 Gi), a hang on a large hostile file.
        Bytes b = new Bytes().header(0, 1).string("k".repeat(1 << 16)).i32(9).i32(0).u64(1 << 20);
        byte[] bytes = b.pad(1 << 20).bytes();
        GgufHeader header = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> GgufHeader.read(NAME, new ByteArrayInputStream(bytes), bytes.length));
        assertEquals(1 << 20, header.arrays().get("k".repeat(1 << 16)).length());
    }

    @Test
    void theFuzzersSeedsAreReadWhole() throws IOException {
        for (String seed : new String[] {"modelHeader/every-type", "adapterHeader/lora-rank-2"}) {
            try (InputStream in = HostileHeaderTest.class.getResourceAsStream("GgufHeaderFuzzTestInputs/" + seed)) {
                byte[] bytes = in.readAllBytes();
                GgufHeader.read(NAME, new ByteArrayInputStream(bytes), bytes.length).checkComplete();
            }
        }
    }
}
