package dev.rill.internal.gguf;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;

/**
 * Fuzz targets for {@link GgufHeader}: any bytes give a header or a {@link GgufHeader.FormatException}, never
 * another exception, a hang or an allocation the bytes do not pay for. Without {@code JAZZER_FUZZ} JUnit runs the
 * seeds and the findings kept next to them ({@code GgufHeaderFuzzTestInputs/<target>/}, written by
 * {@link GgufFuzzSeeds}); {@code tools/fuzz} runs each target in fuzzing mode.
 */
class GgufHeaderFuzzTest {
    private static final Path NAME = Path.of("fuzz.gguf");

    /** Bytes mutated from a model's header: metadata of every type, a vocabulary array, tensor infos. */
    @FuzzTest
    void modelHeader(byte[] bytes) {
        readAndCheck(bytes);
    }

    /** Bytes mutated from a LoRA adapter: its string and float keys, and the lora_a / lora_b tensor pairs. */
    @FuzzTest
    void adapterHeader(byte[] bytes) {
        GgufHeader header = readAndCheck(bytes);
        if (header != null) {
            for (GgufHeader.TensorInfo tensor : header.tensors()) {
                GgmlTypes.multipliable(tensor.type());
                GgmlTypes.name(tensor.type());
            }
        }
    }

    /** What {@code LlamaModelHandle.load} and {@code AdapterCheck} do with a file: read, then check it is whole. */
    static GgufHeader readAndCheck(byte[] bytes) {
        GgufHeader header;
        try {
            header = GgufHeader.read(NAME, new ByteArrayInputStream(bytes), bytes.length);
        } catch (GgufHeader.FormatException expected) {
            return null;
        } catch (java.io.IOException e) {
            throw new AssertionError("reading from memory failed with an I/O error other than a format error", e);
        }
        header.tensorBytes();
        for (GgufHeader.TensorInfo tensor : header.tensors()) {
            tensor.bytes();
        }
        try {
            header.checkComplete();
        } catch (GgufHeader.FormatException expected) {
            return null;
        }
        return header;
    }
}
