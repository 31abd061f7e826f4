package dev.rill.internal.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.gguf.GgmlType;
import dev.rill.gguf.GgufValue;
import dev.rill.gguf.GgufWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufHeaderTest {
    @TempDir
    static Path dir;
    private static Path model;

    @BeforeAll
    static void write() throws IOException {
        // The shape of the test kit's rigged byte-vocabulary model: a 259-token vocabulary, 288 wide.
        List<String> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
        }
        model = dir.resolve("byte-vocabulary.gguf");
        new GgufWriter()
                .metadata("general.architecture", GgufValue.string("llama"))
                .metadata("llama.embedding_length", GgufValue.uint32(288))
                .metadata("tokenizer.ggml.tokens", GgufValue.strings(tokens))
                .tensor("output.weight", GgmlType.F32, new long[] {288, 259}, new float[288 * 259])
                .write(model);
    }

    @Test
    void readsMetadataArraysAndTensorsOfAModel() throws IOException {
        GgufHeader header = GgufHeader.read(model);
        assertEquals(3, header.version());
        assertEquals("llama", header.string("general.architecture").orElseThrow());
        assertEquals(288L, header.metadata().get("llama.embedding_length"));
        assertEquals(259, header.arrays().get("tokenizer.ggml.tokens").length());
        assertEquals(32, header.alignment());
        assertEquals(0, header.dataOffset() % 32);
        var output = header.tensor("output.weight").orElseThrow();
        assertEquals(288, output.dims()[0]);
        assertEquals(259, output.dims()[1]);
        assertEquals(288L * 259 * 4, output.bytes());
        header.checkComplete();
        assertTrue(header.tensorBytes() > 0 && header.tensorBytes() < Files.size(model));
    }

    @Test
    void aTruncatedFileNamesTheTensorThatRunsPastItsEnd() throws IOException {
        byte[] whole = Files.readAllBytes(model);
        Path cut = dir.resolve("cut.gguf");
        Files.write(cut, java.util.Arrays.copyOf(whole, whole.length - 1));
        var error = assertThrows(GgufHeader.FormatException.class, () -> GgufHeader.read(cut).checkComplete());
        assertTrue(error.getMessage().contains("ends at byte " + whole.length), error.getMessage());
    }

    @Test
    void aFileCutInsideTheHeaderSaysWhatWasBeingRead() throws IOException {
        byte[] whole = Files.readAllBytes(model);
        Path cut = dir.resolve("cut-header.gguf");
        Files.write(cut, java.util.Arrays.copyOf(whole, 100));
        Path tiny = dir.resolve("cut-tiny.gguf");
        Files.write(tiny, java.util.Arrays.copyOf(whole, 20));
        var early = assertThrows(GgufHeader.FormatException.class, () -> GgufHeader.read(tiny));
        assertEquals("the file has 20 bytes, fewer than a GGUF header's 24: it is truncated", early.getMessage());
        var error = assertThrows(GgufHeader.FormatException.class, () -> GgufHeader.read(cut));
        assertTrue(error.getMessage().contains("truncated"), error.getMessage());
        Path mid = dir.resolve("cut-mid.gguf");
        Files.write(mid, java.util.Arrays.copyOf(whole, 3000));
        var inside = assertThrows(GgufHeader.FormatException.class, () -> GgufHeader.read(mid));
        assertTrue(inside.getMessage().contains("tokenizer.ggml.tokens"), inside.getMessage());
        assertTrue(inside.getMessage().contains("truncated"), inside.getMessage());
    }

    @Test
    void absurdCountsAreRefusedBeforeAnythingIsAllocated() throws IOException {
        Path bogus = dir.resolve("bogus.gguf");
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.put("GGUF".getBytes()).putInt(3).putLong(Long.MAX_VALUE / 2).putLong(1);
        Files.write(bogus, b.array());
        var error = assertThrows(GgufHeader.FormatException.class, () -> GgufHeader.read(bogus));
        assertTrue(error.getMessage().contains("more than a file of 64 bytes can hold"), error.getMessage());
    }

    @Test
    void aStringLongerThanTheFileIsRefused() throws IOException {
        Path bogus = dir.resolve("long-string.gguf");
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.put("GGUF".getBytes()).putInt(3).putLong(0).putLong(1).putLong(1_000_000_000L);
        Files.write(bogus, b.array());
        var error = assertThrows(GgufHeader.FormatException.class, () -> GgufHeader.read(bogus));
        assertTrue(error.getMessage().contains("runs past the end of the file"), error.getMessage());
    }

    @Test
    void unsupportedVersionsAreRefused() throws IOException {
        Path old = dir.resolve("v1.gguf");
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.put("GGUF".getBytes()).putInt(1).putLong(0).putLong(0);
        Files.write(old, b.array());
        var error = assertThrows(GgufHeader.FormatException.class, () -> GgufHeader.read(old));
        assertEquals("GGUF version 1 is not supported (2 and 3 are)", error.getMessage());
    }

    @Test
    void knowsTheBlockSizesOfQuantizedTypes() {
        assertEquals(34, GgmlTypes.bytes(8, 32));      // Q8_0
        assertEquals(144, GgmlTypes.bytes(12, 256));   // Q4_K
        assertEquals(2 * 10, GgmlTypes.bytes(30, 10)); // BF16
        assertEquals(-1, GgmlTypes.bytes(8, 33));      // not whole blocks
        assertEquals(-1, GgmlTypes.bytes(99, 10));     // unknown type
    }
}
