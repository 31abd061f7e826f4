package dev.rill.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.AdapterLoadException;
import dev.rill.Generation;
import dev.rill.GenerationRequest;
import dev.rill.Model;
import dev.rill.gguf.GgufValue;
import dev.rill.testkit.LoraAdapterFile;
import dev.rill.testkit.TestModels;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every bad adapter is a clear {@link AdapterLoadException} naming the adapter and the reason, and leaves the
 * registry and a running stream as they were.
 */
class BadAdapterTest {
    private Model model;
    private AdapterRegistry registry;
    private Generation running;
    private CountDownLatch release;

    @BeforeEach
    void startAStream() throws InterruptedException {
        model = Fixtures.loadModel();
        registry = AdapterRegistry.create(model);
        registry.register("good", Fixtures.plusTwo());
        CountDownLatch started = new CountDownLatch(1);
        release = new CountDownLatch(1);
        running = registry.submit(GenerationRequest.builder("abc").maxTokens(6), AdapterSelection.of("good"),
                (token, g) -> {
                    started.countDown();
                    try {
                        release.await(20, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
        assertTrue(started.await(10, TimeUnit.SECONDS));
    }

    @AfterEach
    void theRegistryAndTheStreamAreAsTheyWere() {
        release.countDown();
        assertEquals(AdapterRegistryTest.PLUS_TWO, running.await().text(), "the running stream is untouched");
        assertEquals(List.of("good"), registry.names(), "nothing else was registered");
        assertEquals(AdapterRegistryTest.PLUS_TWO, AdapterRegistryTest.run(registry, AdapterSelection.of("good"), 6));
        registry.close();
        model.close();
    }

    private AdapterLoadException refused(String name, Path path, String reason) {
        var error = assertThrows(AdapterLoadException.class, () -> registry.register(name, path));
        assertTrue(error.getMessage().contains("'" + name + "'"), error.getMessage());
        assertTrue(error.getMessage().contains(reason), error.getMessage());
        assertEquals(path, error.path());
        return error;
    }

    @Test
    void aMissingFile() {
        refused("missing", Fixtures.dir().resolve("nope.gguf"), "does not exist");
    }

    @Test
    void aFileThatIsNotGguf() throws IOException {
        Path garbage = Fixtures.newPath("garbage.gguf");
        Files.writeString(garbage, "not an adapter at all");
        refused("garbage", garbage, "does not start with \"GGUF\"");
    }

    @Test
    void aTruncatedAdapter() throws IOException {
        Path cut = Fixtures.newPath("cut.gguf");
        byte[] bytes = Files.readAllBytes(Fixtures.plusTwo());
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
        refused("cut", cut, "truncated");
        Files.write(cut, Arrays.copyOf(bytes, 40));
        refused("cut", cut, "truncated");
    }

    @Test
    void aModelFileInsteadOfAnAdapter() {
        refused("model", Fixtures.plusOneModel(), "is not an adapter");
    }

    @Test
    void anAdapterOfAnotherKind() throws IOException {
        refused("control", Fixtures.adapterWithArchitecture("llama", "adapter", "control_vector"), "is not a LoRA adapter");
    }

    @Test
    void anAdapterForAnotherArchitecture() throws IOException {
        refused("qwen", Fixtures.adapterWithArchitecture("qwen2", "adapter", "lora"), "qwen2 architecture");
    }

    @Test
    void anAdapterForAWiderModel() throws IOException {
        Path wide = Fixtures.newPath("wide.gguf");
        new LoraAdapterFile("wide", 1f, List.of(new LoraAdapterFile.Target("output.weight", new float[2][320],
                new float[259][2]))).write(wide);
        refused("wide", wide, "does not fit the model");
    }

    @Test
    void anAdapterForATensorTheModelLacks() throws IOException {
        Path deep = Fixtures.newPath("deep.gguf");
        new LoraAdapterFile("deep", 1f, List.of(new LoraAdapterFile.Target("blk.7.ffn_down.weight", new float[2][64],
                new float[288][2]))).write(deep);
        refused("deep", deep, "which the model");
    }

    @Test
    void anAdapterWithHalfAPair() throws IOException {
        refused("half", Fixtures.halfPair(), "has only one of output.weight.lora_a and output.weight.lora_b");
    }

    @Test
    void anAdapterWithIntegerTensors() throws IOException {
        // llama.cpp b4916 would load it and abort in the matrix product; the registry refuses it first.
        Path ints = Fixtures.newPath("ints.gguf");
        Files.copy(Fixtures.letterMappingFile(), ints);
        setTensorType(ints, "output.weight.lora_a", 26); // I32: same size as F32
        refused("ints", ints, "has type I32");
    }

    @Test
    void aFileThatWentBadAfterRegistration() throws IOException {
        Path changing = Fixtures.newPath("changing.gguf");
        Files.copy(Fixtures.letterMappingFile(), changing);
        registry.register("changing", changing);
        Files.writeString(changing, "gone bad");
        var error = assertThrows(AdapterLoadException.class, () -> registry.load("changing"));
        assertTrue(error.getMessage().contains("'changing'"), error.getMessage());
        assertEquals(AdapterState.REGISTERED, registry.info("changing").orElseThrow().state());
        assertEquals(1, registry.stats().failedLoads());
        Files.copy(Fixtures.letterMappingFile(), changing, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertEquals(AdapterState.LOADED, registry.load("changing").state(), "fixed, it loads");
        registry.unregister("changing");
    }

    @Test
    void metadataOfTheWrongType() throws IOException {
        // llama.cpp b4916 reads these with asserting getters: the process would abort, so the registry refuses first.
        Path alpha = Fixtures.newPath("alpha-int.gguf");
        Fixtures.adapterWriter("llama", GgufValue.string("adapter"), GgufValue.uint32(8)).write(alpha);
        refused("alpha", alpha, "stores adapter.lora.alpha as GGUF value type 4");
        Path type = Fixtures.newPath("type-int.gguf");
        Fixtures.adapterWriter("llama", GgufValue.uint32(1), GgufValue.float32(1f)).write(type);
        refused("type", type, "stores general.type as GGUF value type 4");
    }

    /** Rewrites the ggml type id in one tensor info of a GGUF file. */
    static void setTensorType(Path file, String tensor, int type) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        byte[] name = tensor.getBytes(StandardCharsets.UTF_8);
        int at = indexOf(bytes, name);
        if (at < 0) {
            throw new IllegalArgumentException("no tensor " + tensor);
        }
        int dimsAt = at + name.length;
        int nDims = bytes[dimsAt] & 0xFF;
        int typeAt = dimsAt + 4 + 8 * nDims;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(typeAt);
            raf.write(new byte[] {(byte) type, 0, 0, 0});
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static {
        TestModels.plusOne(); // warms the kit's tables before the first test's stream starts
    }
}
