package dev.rill.benches;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Writes the models of {@link ProfileSpeedBenchmark} ({@link SpeedModel}) into a folder, each only if it is not
 * already there, and prints one line per model: its label, a tab and the file's absolute path. Progress goes to
 * standard error. {@code benches/llama-bench} runs it to give llama-bench the very files the benchmark loads.
 *
 * <pre>
 * java -cp benches/target/benchmarks.jar dev.rill.benches.WriteBenchModels [DIR]
 * </pre>
 *
 * {@code DIR} defaults to the benchmark's folder, {@value SpeedModel#DEFAULT_FOLDER} (or the system property
 * {@value SpeedModel#FOLDER_PROPERTY}).
 */
public final class WriteBenchModels {
    private WriteBenchModels() {
    }

    public static void main(String[] args) {
        if (args.length > 1 || (args.length == 1 && args[0].startsWith("-"))) {
            System.err.println("usage: WriteBenchModels [DIR]");
            System.exit(2);
        }
        Path dir = args.length == 1 ? Path.of(args[0]).toAbsolutePath() : SpeedModel.folder();
        for (SpeedModel model : SpeedModel.values()) {
            long start = System.nanoTime();
            Path file = model.file(dir);
            System.err.printf(Locale.ROOT, "%s: %s (%.1f s)%n", model.label(), file, (System.nanoTime() - start) / 1e9);
            System.out.println(model.label() + "\t" + file);
        }
    }
}
