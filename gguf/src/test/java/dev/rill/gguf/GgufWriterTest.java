package dev.rill.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufWriterTest {
    @TempDir
    Path dir;

    @Test
    void headerAndMetadataBytesFollowTheFormat() throws IOException {
        Path file = dir.resolve("header.gguf");
        long size = new GgufWriter().metadata("a.b", GgufValue.uint32(7)).write(file);

        byte[] bytes = Files.readAllBytes(file);
        assertEquals(bytes.length, size);
        ByteBuffer expected = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        expected.put("GGUF".getBytes(StandardCharsets.US_ASCII))
                .putInt(3)          // version
                .putLong(0)         // tensors
                .putLong(1)         // metadata entries
                .putLong(3).put("a.b".getBytes(StandardCharsets.US_ASCII))
                .putInt(4)          // UINT32
                .putInt(7);
        // 43 bytes, padded to the 32-byte alignment
        assertEquals(43, expected.position());
        assertArrayEquals(Arrays.copyOf(expected.array(), 64), bytes);
    }

    @Test
    void tensorOffsetsAndDataAreAligned() throws IOException {
        Path file = dir.resolve("aligned.gguf");
        new GgufWriter()
                .tensor("three", GgmlType.F32, new long[] {3}, new float[] {1f, 2f, 3f})
                .tensor("two-by-two", GgmlType.F16, new long[] {2, 2}, new float[] {1f, -1f, 0.5f, 2f})
                .tensor("last", GgmlType.F32, new long[] {1}, new float[] {9f})
                .write(file);

        GgufFile gguf = GgufFile.read(file);
        assertEquals(32, gguf.alignment());
        assertEquals(0, gguf.dataOffset() % 32);
        assertEquals(List.of(0L, 32L, 64L), gguf.tensors().stream().map(GgufFile.TensorInfo::offset).toList());
        assertEquals(List.of(2L, 2L), gguf.tensor("two-by-two").dims());
        assertEquals(gguf.dataOffset() + 96, Files.size(file));
        ByteBuffer data = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(1f, data.getFloat((int) gguf.dataOffset()));
        assertEquals(3f, data.getFloat((int) gguf.dataOffset() + 8));
        assertEquals(0, data.getInt((int) gguf.dataOffset() + 12), "padding is zero");
        assertEquals(Float.floatToFloat16(-1f), data.getShort((int) gguf.dataOffset() + 34));
        assertEquals(9f, data.getFloat((int) gguf.dataOffset() + 64));
    }

    @Test
    void generalAlignmentChangesThePadding() throws IOException {
        Path file = dir.resolve("aligned64.gguf");
        new GgufWriter()
                .metadata(GgufWriter.ALIGNMENT_KEY, GgufValue.uint32(64))
                .tensor("a", GgmlType.F32, new long[] {3}, new float[3])
                .tensor("b", GgmlType.F32, new long[] {20}, new float[20])
                .write(file);

        GgufFile gguf = GgufFile.read(file);
        assertEquals(64, gguf.alignment());
        assertEquals(0, gguf.dataOffset() % 64);
        assertEquals(64, gguf.tensor("b").offset());
        assertEquals(gguf.dataOffset() + 64 + 128, Files.size(file), "80 bytes of b padded to 128");
    }

    @Test
    void everyMetadataTypeRoundTrips() throws IOException {
        Map<String, GgufValue> values = new LinkedHashMap<>();
        values.put("u8", GgufValue.uint8(255));
        values.put("i8", GgufValue.int8(-128));
        values.put("u16", GgufValue.uint16(65535));
        values.put("i16", GgufValue.int16(-32768));
        values.put("u32", GgufValue.uint32(0xFFFF_FFFFL));
        values.put("i32", GgufValue.int32(Integer.MIN_VALUE));
        values.put("u64", GgufValue.uint64(-1L));
        values.put("i64", GgufValue.int64(Long.MIN_VALUE));
        values.put("f32", GgufValue.float32(1.5e-5f));
        values.put("f64", GgufValue.float64(Math.PI));
        values.put("bool.true", GgufValue.bool(true));
        values.put("bool.false", GgufValue.bool(false));
        values.put("string", GgufValue.string("h\u00e9llo \u2581 \uD83D\uDE00"));
        values.put("empty.string", GgufValue.string(""));
        values.put("arr.u8", GgufValue.array(GgufValue.Type.UINT8, List.of(0, 1, 255)));
        values.put("arr.i8", GgufValue.array(GgufValue.Type.INT8, List.of(-1, 127)));
        values.put("arr.u16", GgufValue.array(GgufValue.Type.UINT16, List.of(65535)));
        values.put("arr.i16", GgufValue.array(GgufValue.Type.INT16, List.of(-2, 2)));
        values.put("arr.u32", GgufValue.array(GgufValue.Type.UINT32, List.of(1L, 0xFFFF_FFFFL)));
        values.put("arr.i32", GgufValue.int32s(-7, 0, 7));
        values.put("arr.u64", GgufValue.array(GgufValue.Type.UINT64, List.of(Long.MAX_VALUE, -1L)));
        values.put("arr.i64", GgufValue.array(GgufValue.Type.INT64, List.of(-5L)));
        values.put("arr.f32", GgufValue.float32s(0.25f, -0f, Float.MAX_VALUE));
        values.put("arr.f64", GgufValue.array(GgufValue.Type.FLOAT64, List.of(1e300, -2.5)));
        values.put("arr.bool", GgufValue.array(GgufValue.Type.BOOL, List.of(true, false)));
        values.put("arr.string", GgufValue.strings(List.of("<s>", "", "\u2581a")));
        values.put("arr.empty", GgufValue.strings(List.of()));
        GgufWriter writer = new GgufWriter();
        values.forEach(writer::metadata);
        Path file = dir.resolve("metadata.gguf");
        writer.write(file);

        GgufFile gguf = GgufFile.read(file);
        assertEquals(3, gguf.version());
        assertEquals(values, gguf.metadata());
        assertEquals(new ArrayList<>(values.keySet()), new ArrayList<>(gguf.metadata().keySet()));
        assertEquals(0xFFFF_FFFFL, gguf.value("u32").asLong());
        assertEquals("<s>", gguf.value("arr.string").asList().getFirst());
    }

    @Test
    void f32AndF16DataRoundTrip() throws IOException {
        float[] exact = {0f, -0f, 1f, -2.5f, 65504f, 6.1035156e-5f, 5.9604645e-8f, 1000.5f};
        Path file = dir.resolve("floats.gguf");
        new GgufWriter()
                .tensor("f32", GgmlType.F32, new long[] {4, 2}, exact)
                .tensor("f16", GgmlType.F16, new long[] {8}, exact)
                .tensor("f16.rounded", GgmlType.F16, new long[] {3}, new float[] {1f / 3f, 0.1f, 2049f})
                .write(file);

        GgufFile gguf = GgufFile.read(file);
        assertArrayEquals(exact, gguf.readFloats("f32"));
        assertArrayEquals(exact, gguf.readFloats("f16"));
        // round to nearest, ties to even: 2049 lies between 2048 and 2050
        assertArrayEquals(new float[] {0.33325195f, 0.099975586f, 2048f}, gguf.readFloats("f16.rounded"));
    }

    @Test
    void q8BlocksMatchGgmlsReferenceQuantizer() throws IOException {
        float[] row = new float[32];
        row[0] = 127f;   // max |x|: d = 1
        row[1] = 2.5f;   // halves round away from zero
        row[2] = -2.5f;
        row[3] = 0.5f;
        row[4] = -0.5f;
        row[5] = 1.49f;
        row[6] = -127f;
        float[] second = new float[32];
        for (int i = 0; i < 32; i++) {
            second[i] = (i - 16) / 100f;
        }
        float[] values = new float[64];
        System.arraycopy(row, 0, values, 0, 32);
        System.arraycopy(second, 0, values, 32, 32);
        Path file = dir.resolve("q8.gguf");
        new GgufWriter().tensor("q", GgmlType.Q8_0, new long[] {64}, values).write(file);

        GgufFile gguf = GgufFile.read(file);
        ByteBuffer data = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN)
                .position((int) gguf.dataOffset());
        assertEquals(Float.floatToFloat16(1f), data.getShort());
        byte[] quants = new byte[32];
        data.get(quants);
        assertArrayEquals(new byte[] {127, 3, -3, 1, -1, 1, -127, 0}, Arrays.copyOf(quants, 8));
        float d = 0.16f / 127f;
        assertEquals(Float.floatToFloat16(d), data.getShort());
        data.get(quants);
        for (int i = 0; i < 32; i++) {
            double scaled = second[i] * (1f / d);
            assertEquals((byte) Math.copySign(Math.floor(Math.abs(scaled) + 0.5), scaled), quants[i], "quant " + i);
        }
        assertEquals(-127, quants[0]);

        float[] decoded = gguf.readFloats("q");
        assertEquals(3f, decoded[1]);
        assertEquals(-3f, decoded[2]);
        for (int i = 0; i < 32; i++) {
            assertEquals(second[i], decoded[32 + i], 0.0007f);
        }
    }

    @Test
    void q4BlocksMapTheLargestMagnitudeToMinusEightAndPairHalvesInOneByte() throws IOException {
        float[] values = new float[32];
        values[0] = -1.6f;  // the extreme: scale -1.6 / -8 = 0.2, stored as q = -8 (nibble 0)
        values[1] = 0.2f;   // q = 1 (nibble 9)
        values[16] = 1.4f;  // q = 7 (nibble 15), shares byte 0 with value 0
        values[17] = -0.4f; // q = -2 (nibble 6), shares byte 1 with value 1
        Path file = dir.resolve("q4.gguf");
        new GgufWriter().tensor("q", GgmlType.Q4_0, new long[] {32}, values).write(file);

        GgufFile gguf = GgufFile.read(file);
        ByteBuffer data = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN)
                .position((int) gguf.dataOffset());
        assertEquals(Float.floatToFloat16(0.2f), data.getShort());
        byte[] packed = new byte[16];
        data.get(packed);
        assertEquals((byte) 0xf0, packed[0]);
        assertEquals((byte) 0x69, packed[1]);
        assertEquals((byte) 0x88, packed[2], "zeros are stored as q = 0 in both nibbles");

        float[] decoded = gguf.readFloats("q");
        float step = Float.float16ToFloat(Float.floatToFloat16(0.2f));
        assertEquals(-8 * step, decoded[0]);
        assertEquals(step, decoded[1]);
        assertEquals(7 * step, decoded[16]);
        assertEquals(-2 * step, decoded[17]);
        assertEquals(0f, decoded[5]);
    }

    @Test
    void rowsAreAskedInOrderOnce() throws IOException {
        List<Long> asked = new ArrayList<>();
        new GgufWriter().tensor("t", GgmlType.Q8_0, new long[] {32, 3, 2}, (row, values) -> {
            asked.add(row);
            Arrays.fill(values, row);
        }).write(dir.resolve("rows.gguf"));

        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), asked);
        float[] values = GgufFile.read(dir.resolve("rows.gguf")).readFloats("t");
        assertEquals(5f, values[191], 5f / 127 / 2, "Q8_0 keeps a constant row to within half a step");
    }

    @Test
    void rowsLargerThanTheWriteBufferAreWritten() throws IOException {
        int length = 300_000; // 1.2 MB per F32 row
        Path file = dir.resolve("wide.gguf");
        new GgufWriter().tensor("wide", GgmlType.F32, new long[] {length, 2},
                (row, values) -> Arrays.fill(values, row + 1)).write(file);

        float[] values = GgufFile.read(file).readFloats("wide");
        assertEquals(1f, values[length - 1]);
        assertEquals(2f, values[length]);
    }

    @Test
    void invalidInputsAreRejectedWithClearMessages() {
        GgufWriter writer = new GgufWriter()
                .metadata("key", GgufValue.string("v"))
                .tensor("t", GgmlType.F32, new long[] {2}, new float[2]);

        assertMessage("duplicate metadata key 'key'",
                () -> writer.metadata("key", GgufValue.bool(true)));
        assertMessage("duplicate tensor name 't'",
                () -> writer.tensor("t", GgmlType.F32, new long[] {2}, new float[2]));
        assertMessage("needs 6 values, got 5",
                () -> writer.tensor("u", GgmlType.F32, new long[] {3, 2}, new float[5]));
        assertMessage("Q8_0 rows must be a multiple of 32 values, got 48",
                () -> writer.tensor("q", GgmlType.Q8_0, new long[] {48, 2}, (row, values) -> { }));
        assertMessage("needs 1 to 4 dimensions",
                () -> writer.tensor("d", GgmlType.F32, new long[] {1, 1, 1, 1, 1}, (row, values) -> { }));
        assertMessage("non-positive dimension",
                () -> writer.tensor("z", GgmlType.F32, new long[] {4, 0}, (row, values) -> { }));
        assertMessage("longer than 63 bytes",
                () -> writer.tensor("n".repeat(64), GgmlType.F32, new long[] {1}, new float[1]));
        assertMessage("power of two",
                () -> writer.metadata(GgufWriter.ALIGNMENT_KEY, GgufValue.uint32(48)));
        assertMessage("300 is out of range for UINT8", () -> GgufValue.uint8(300));
        assertMessage("UINT32 values are carried as Long, not Integer",
                () -> GgufValue.array(GgufValue.Type.UINT32, List.of(1)));
        assertMessage("-1 is out of range for UINT32", () -> GgufValue.uint32(-1));
    }

    @Test
    void valuesOutOfF16RangeFailAndLeaveNoFile() {
        Path file = dir.resolve("overflow.gguf");
        GgufWriter writer = new GgufWriter().tensor("big", GgmlType.F16, new long[] {2}, new float[] {1f, 70000f});

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> writer.write(file));
        assertTrue(error.getMessage().contains("tensor 'big' row 0: 70000.0 cannot be stored as F16"),
                error.getMessage());
        assertFalse(Files.exists(file));
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable action) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, action);
        assertTrue(error.getMessage().contains(part),
                () -> "message '" + error.getMessage() + "' lacks '" + part + "'");
    }
}
