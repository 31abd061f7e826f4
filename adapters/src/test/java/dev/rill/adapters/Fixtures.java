package dev.rill.adapters;

import dev.rill.Model;
import dev.rill.ModelOptions;
import dev.rill.gguf.GgmlType;
import dev.rill.gguf.GgufValue;
import dev.rill.gguf.GgufWriter;
import dev.rill.testkit.LoraAdapterFile;
import dev.rill.testkit.ModelFiles;
import dev.rill.testkit.TestModels;
import dev.rill.testkit.Vocabulary;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** The rigged model and adapters with known effects, written once per test JVM into a temporary folder. */
final class Fixtures {
    static final int WIDTH = TestModels.RIGGED_SHAPE.embeddingLength();
    static final int VOCABULARY = Vocabulary.BYTE_VOCABULARY_SIZE;

    private Fixtures() {
    }

    private static Path file(String name, ModelFiles.Writer writer) {
        return ModelFiles.file(name, writer);
    }

    /** The folder the fixtures live in. */
    static Path dir() {
        return ModelFiles.directory();
    }

    /** A fresh path in the temporary folder. */
    static Path newPath(String name) {
        return ModelFiles.newPath(name);
    }

    /** The rigged base: greedy continues each printable byte with the next one ("abc" gives "defghij..."). */
    static Path plusOneModel() {
        return file("plus-one.gguf", p -> TestModels.plusOne().write(p));
    }

    static Model loadModel() {
        return Model.load(plusOneModel(), ModelOptions.builder().contextSize(1024).threads(1).parallelSequences(4).build());
    }

    /** At scale 1 the model continues +2 ("abc" gives "egikmo"); at 0.5 greedy still gives +1. */
    static Path plusTwo() {
        return file("plus-two.gguf", p -> TestModels.plusTwoAdapter().write(p));
    }

    /** A second file of the same adapter, for mixes and for eviction with two different entries. */
    static Path plusTwoCopy() {
        return file("plus-two-copy.gguf", p -> TestModels.plusTwoAdapter().write(p));
    }

    /** The logit weight the rigged model gives its chosen next token (read off the plus-two adapter). */
    static float riggedWeight() {
        float max = 0;
        for (float[] row : TestModels.plusTwoAdapter().targets().getFirst().b()) {
            for (float v : row) {
                max = Math.max(max, v);
            }
        }
        return max;
    }

    /**
     * A rank-1 adapter on output.weight that, at scale 1, makes 'e' continue with 'X' instead of 'f' and leaves
     * every other byte as the base has it: "abc" gives "deXYZ[".
     */
    static LoraAdapterFile letterMapping() {
        float w = riggedWeight();
        float[][] a = new float[1][WIDTH];
        float[][] b = new float[VOCABULARY][1];
        a[0][Vocabulary.byteToken('e')] = 1f;
        b[Vocabulary.byteToken('X')][0] = w;
        b[Vocabulary.byteToken('f')][0] = -w;
        return new LoraAdapterFile("e-to-x", 1f, List.of(new LoraAdapterFile.Target("output.weight", a, b)));
    }

    static Path letterMappingFile() {
        return file("e-to-x.gguf", p -> letterMapping().write(p));
    }

    /** Bytes of an adapter's tensors as written (F32 A and B per target). */
    static long tensorBytes(LoraAdapterFile adapter) {
        long sum = 0;
        for (LoraAdapterFile.Target t : adapter.targets()) {
            sum += 4L * t.rank() * (t.inputs() + t.outputs());
        }
        return sum;
    }

    /** An adapter with a given architecture and one output.weight pair, written with the kit's GGUF writer. */
    static Path adapterWithArchitecture(String architecture, String type, String adapterType) throws IOException {
        Path path = newPath(architecture + "-" + type + "-" + adapterType + ".gguf");
        adapterWriter(architecture, GgufValue.string(type), GgufValue.float32(1f))
                .metadata("adapter.type", GgufValue.string(adapterType)).write(path);
        return path;
    }

    /** A writer for a zero adapter on output.weight with these metadata values (add adapter.type yourself). */
    static GgufWriter adapterWriter(String architecture, GgufValue generalType, GgufValue alpha) {
        return new GgufWriter()
                .metadata("general.architecture", GgufValue.string(architecture))
                .metadata("general.type", generalType)
                .metadata("adapter.lora.alpha", alpha)
                .tensor("output.weight.lora_a", GgmlType.F32, new long[] {WIDTH, 1}, new float[WIDTH])
                .tensor("output.weight.lora_b", GgmlType.F32, new long[] {1, VOCABULARY}, new float[VOCABULARY]);
    }

    /** An adapter with only the A half of its pair. */
    static Path halfPair() throws IOException {
        Path path = newPath("half-pair.gguf");
        new GgufWriter()
                .metadata("general.architecture", GgufValue.string("llama"))
                .metadata("general.type", GgufValue.string("adapter"))
                .metadata("adapter.type", GgufValue.string("lora"))
                .tensor("output.weight.lora_a", GgmlType.F32, new long[] {WIDTH, 1}, new float[WIDTH])
                .write(path);
        return path;
    }
}
