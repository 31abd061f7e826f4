package dev.rill.internal.llama;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.rill.internal.gguf.GgufHeader;
import dev.rill.testkit.LoraAdapterFile;
import dev.rill.testkit.TestModels;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Fuzz target for {@link AdapterCheck}: any bytes, read as an adapter's header and checked against the rigged
 * model's, give a header or a {@link GgufHeader.FormatException} from the reader, then pass the check or fail it
 * with a {@link LlamaFileException}; never another exception. Seeds ({@code AdapterCheckFuzzTestInputs/adapterCheck/})
 * are written by {@link #main}; {@code tools/fuzz} fuzzes.
 */
class AdapterCheckFuzzTest {
    private static final Path NAME = Path.of("fuzz-adapter.gguf");
    private static GgufHeader model;

    private static synchronized GgufHeader model() {
        if (model == null) {
            try {
                Path file = Files.createTempFile("rigged", ".gguf");
                try {
                    TestModels.plusOne().write(file);
                    model = GgufHeader.read(file);
                } finally {
                    Files.delete(file);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return model;
    }

    @FuzzTest
    void adapterCheck(byte[] bytes) {
        GgufHeader adapter;
        try {
            adapter = GgufHeader.read(NAME, new ByteArrayInputStream(bytes), bytes.length);
            adapter.checkComplete();
        } catch (GgufHeader.FormatException expected) {
            return;
        } catch (IOException e) {
            throw new AssertionError("reading from memory failed with an I/O error other than a format error", e);
        }
        try {
            AdapterCheck.against(model(), adapter);
        } catch (LlamaFileException expected) {
            // refused, with a reason
        }
    }

    /**
     * Writes the seeds: a rank-2 adapter on the rigged model's output matrix, as the test kit writes adapters.
     * {@code java -cp llama/target/test-classes:gguf/target/classes:testkit/target/classes:llama/target/classes
     * dev.rill.internal.llama.AdapterCheckFuzzTest llama/src/test/resources/dev/rill/internal/llama/AdapterCheckFuzzTestInputs}
     */
    public static void main(String[] args) throws IOException {
        Path dir = Files.createDirectories(Path.of(args[0], "adapterCheck"));
        int width = TestModels.RIGGED_SHAPE.embeddingLength();
        int vocabulary = 259;
        float[][] a = new float[2][width];
        float[][] b = new float[vocabulary][2];
        a[0][0] = 1;
        b[1][0] = 1;
        new LoraAdapterFile("seed", 2, List.of(new LoraAdapterFile.Target("output.weight", a, b)))
                .write(dir.resolve("rank-2-on-output"));
    }
}
