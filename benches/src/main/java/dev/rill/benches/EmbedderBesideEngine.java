package dev.rill.benches;

import dev.rill.Embedder;
import dev.rill.EmbeddingOptions;
import dev.rill.GenerationRequest;
import dev.rill.Model;
import dev.rill.ModelOptions;
import dev.rill.gguf.GgmlType;
import dev.rill.testkit.LlamaModel;
import dev.rill.testkit.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What an embedder's own context costs next to a generation model's engine, the question behind sharing the
 * engine's batches: the memory and time to create the context, and generation and embedding throughput alone and
 * side by side. On a random-weight model with a Llama 3 sized vocabulary ({@link TestModels#random128k}, Q8_0),
 * 2 threads, an embedder of 512-token batches.
 * <pre>
 * java -cp benches/target/benchmarks.jar dev.rill.benches.EmbedderBesideEngine [seconds per phase, default 10]
 * </pre>
 * Not a JMH benchmark: one process, phases one after the other, figures printed as Markdown rows.
 */
public final class EmbedderBesideEngine {
    private EmbedderBesideEngine() {
    }

    public static void main(String[] args) throws Exception {
        long phaseNanos = (long) (Double.parseDouble(args.length > 0 ? args[0] : "10") * 1e9);
        LlamaModel spec = TestModels.random128k(GgmlType.Q8_0, 42);
        Path file = SpeedModel.cached(SpeedModel.folder(), "random-128k-q8", spec.toString(), spec::write);
        List<String> texts = EmbeddingBenchmark.texts(16, 42);
        try (Model model = Model.load(file, ModelOptions.builder().contextSize(1024).threads(2).build())) {
            model.generate(GenerationRequest.builder("warm up").maxTokens(4).build(), (token, generation) -> { });
            long rssBefore = residentBytes();
            long start = System.nanoTime();
            try (Embedder embedder = model.embedder(EmbeddingOptions.builder().batchSize(512).build())) {
                double createMs = (System.nanoTime() - start) / 1e6;
                long rssContext = residentBytes() - rssBefore;
                embedder.embed(texts);
                long rssAfterUse = residentBytes() - rssBefore;
                System.out.printf(Locale.ROOT, "| embedder context | created in %.0f ms | resident +%.0f MB, +%.0f MB after a first batch |%n",
                        createMs, rssContext / 1e6, rssAfterUse / 1e6);
                double generationAlone = generate(model, phaseNanos, null);
                double embeddingAlone = embed(embedder, texts, phaseNanos, null);
                AtomicBoolean stop = new AtomicBoolean();
                double[] embeddingBeside = new double[1];
                Thread background = Thread.ofPlatform().start(() -> embeddingBeside[0] = embed(embedder, texts, Long.MAX_VALUE, stop));
                double generationBeside = generate(model, phaseNanos, null);
                stop.set(true);
                background.join();
                System.out.printf(Locale.ROOT, "| generation, tokens/s | alone %.1f | beside embedding %.1f |%n",
                        generationAlone, generationBeside);
                System.out.printf(Locale.ROOT, "| embedding, texts/s | alone %.1f | beside generation %.1f |%n",
                        embeddingAlone, embeddingBeside[0]);
            }
        }
    }

    /** Tokens per second of back-to-back 32-token generations for {@code nanos}. */
    private static double generate(Model model, long nanos, AtomicBoolean stop) {
        long start = System.nanoTime();
        long tokens = 0;
        while (System.nanoTime() - start < nanos && (stop == null || !stop.get())) {
            tokens += model.generate(GenerationRequest.builder("tell me a story about a cat").maxTokens(32).build(),
                    (token, generation) -> { }).generatedTokens();
        }
        return tokens / ((System.nanoTime() - start) / 1e9);
    }

    /** Texts per second of back-to-back calls for {@code nanos} or until {@code stop}. */
    private static double embed(Embedder embedder, List<String> texts, long nanos, AtomicBoolean stop) {
        long start = System.nanoTime();
        long done = 0;
        while (System.nanoTime() - start < nanos && (stop == null || !stop.get())) {
            done += embedder.embed(texts).length;
        }
        return done / ((System.nanoTime() - start) / 1e9);
    }

    private static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }
}
