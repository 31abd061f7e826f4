package dev.rill.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rill.testkit.Architecture;
import dev.rill.testkit.TestModels;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbedCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    private static Path model;

    @BeforeAll
    static void writeModel() throws IOException {
        model = dir.resolve("embed.gguf");
        TestModels.randomWeights(Architecture.LLAMA, Architecture.LLAMA.tinyShape(), 11).write(model);
    }

    private static int width() {
        return Architecture.LLAMA.tinyShape().embeddingLength();
    }

    @Test
    void printsOneLineOfNumbersPerText() {
        CliRun run = CliRun.of("embed", "--model", model.toString(), "-t", "1", "hello world", "a cat");
        assertEquals(0, run.exit(), run.err());
        String[] lines = run.out().split("\n");
        assertEquals(2, lines.length, run.out());
        for (String line : lines) {
            String[] numbers = line.split(" ");
            assertEquals(width(), numbers.length);
            for (String number : numbers) {
                Float.parseFloat(number);
            }
        }
    }

    @Test
    void jsonWithNormalizeGivesUnitVectorsAndNamesThePooling() throws Exception {
        CliRun run = CliRun.of("embed", "--model", model.toString(), "-t", "1", "--normalize", "--pooling", "last", "--json",
                "hello", "world");
        assertEquals(0, run.exit(), run.err());
        String[] lines = run.out().split("\n");
        assertEquals(2, lines.length);
        for (int i = 0; i < lines.length; i++) {
            JsonNode line = JSON.readTree(lines[i]);
            assertEquals(i, line.get("index").asInt());
            assertEquals(i == 0 ? "hello" : "world", line.get("text").asText());
            assertEquals("last", line.get("pooling").asText());
            double sum = 0;
            for (JsonNode v : line.get("embedding")) {
                sum += v.asDouble() * v.asDouble();
            }
            assertEquals(width(), line.get("embedding").size());
            assertEquals(1.0, sum, 1e-4);
        }
    }

    @Test
    void poolingNonePrintsOneRowPerToken() throws Exception {
        CliRun run = CliRun.of("embed", "--model", model.toString(), "-t", "1", "--pooling", "none", "--json", "hello world");
        assertEquals(0, run.exit(), run.err());
        JsonNode line = JSON.readTree(run.out().strip());
        assertTrue(line.get("tokens").size() > 1, run.out());
        assertEquals(width(), line.get("tokens").get(0).size());
    }

    @Test
    void anOverlongTextFailsUnlessTruncated() {
        CliRun refused = CliRun.of("embed", "--model", model.toString(), "-t", "1", "--batch-size", "4", "a long text of words");
        assertEquals(1, refused.exit());
        assertTrue(refused.err().contains("tokens long but an embedding batch holds at most 4"), refused.err());
        CliRun truncated = CliRun.of("embed", "--model", model.toString(), "-t", "1", "--batch-size", "4", "--truncate",
                "a long text of words");
        assertEquals(0, truncated.exit(), truncated.err());
        assertEquals(1, truncated.out().split("\n").length);
    }

    @Test
    void badArgumentsPrintTheEmbedUsageAndExitTwo() {
        for (String[] args : new String[][] {{"embed", "text"}, {"embed", "--model", model.toString()},
                {"embed", "--model", model.toString(), "--pooling", "max", "x"},
                {"embed", "--model", model.toString(), "--frobnicate", "x"}}) {
            CliRun run = CliRun.of(args);
            assertEquals(2, run.exit(), String.join(" ", args));
            assertTrue(run.err().contains("Usage: rill embed"), run.err());
        }
        CliRun help = CliRun.of("embed", "--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().startsWith("Usage: rill embed"));
    }
}
