package dev.rill;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Measures what a probe in a child process costs next to an in-process load of the same file, for
 * docs/reliability.md; prints the figures and asserts only that every probe passed. Skipped unless
 * {@code rill.probe.cost} names model files (comma-separated; {@code rigged} for the test kit's rigged model):
 *
 * <pre>{@code
 * ./build -pl core -am test -Dtest=ModelProbeCostTest -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Drill.probe.cost=rigged,benches/target/bench-models/tinyllama-q4_0.gguf
 * }</pre>
 */
class ModelProbeCostTest {
    private static final int ROUNDS = 3;

    @Test
    void probeCostNextToAnInProcessLoad() {
        String files = System.getProperty("rill.probe.cost", "");
        assumeTrue(!files.isBlank(), "set -Drill.probe.cost=rigged,/path/model.gguf to measure");
        ModelOptions options = ModelOptions.builder().contextSize(256).threads(2).build();
        for (String name : files.split(",")) {
            Path path = name.equals("rigged") ? RiggedFiles.plusOne() : Path.of(name).toAbsolutePath();
            List<Long> probes = new ArrayList<>();
            List<Long> loads = new ArrayList<>();
            for (int i = 0; i < ROUNDS; i++) {
                ModelProbe probe = Model.probe(path, options);
                assertTrue(probe.finiteLogits(), probe.toString());
                probes.add(probe.elapsed().toMillis());
                long start = System.nanoTime();
                try (Model model = Model.load(path, options)) {
                    loads.add((System.nanoTime() - start) / 1_000_000);
                }
            }
            System.out.println("probe cost, " + System.getProperty("rill.llama.profile", "current") + ", " + path.getFileName()
                    + ": probe " + probes + " ms, in-process load (with context) " + loads + " ms");
        }
    }
}
