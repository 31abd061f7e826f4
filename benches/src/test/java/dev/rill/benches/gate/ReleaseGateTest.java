package dev.rill.benches.gate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gate on synthetic JMH JSON: pass, warn, fail, missing and malformed input. */
class ReleaseGateTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void headless() {
        System.setProperty("java.awt.headless", "true");
    }

    /** A limits file with one time ratio (≤ 1.01, warn 1.005) and one rate ratio (≥ 3, warn 3.5). */
    private static final String LIMITS = """
            {
              "version": 1,
              "revision": "test",
              "rules": [
                {"id": "sync", "title": "sync / raw",
                 "numerator": {"benchmark": "B.sync", "params": {"tokens": "50"}},
                 "denominator": {"benchmark": "B.raw", "params": {"tokens": "50"}},
                 "direction": "<=", "limit": 1.01, "warn": 1.005},
                {"id": "peer", "title": "Rill / peer",
                 "numerator": {"benchmark": "P.rill", "measure": "rate", "work": 50},
                 "denominator": {"benchmark": "P.peer", "measure": "rate", "work": 50},
                 "direction": ">=", "limit": 3, "warn": 3.5},
                {"id": "switch", "title": "switch", "kind": "stepDifference",
                 "numerator": {"benchmark": "A.switching"}, "denominator": {"benchmark": "A.steady"},
                 "steps": 10, "direction": "<=", "limit": 50, "warn": 25, "unit": "µs"}
              ]
            }
            """;

    /** One JMH run in average-time mode with the given raw iterations in ms/op (two forks). */
    private static String run(String benchmark, Map<String, String> params, double... ms) {
        StringBuilder p = new StringBuilder();
        params.forEach((k, v) -> p.append(p.isEmpty() ? "" : ",").append('"').append(k).append("\":\"").append(v)
                .append('"'));
        int half = ms.length / 2;
        List<String> first = new ArrayList<>();
        List<String> second = new ArrayList<>();
        for (int i = 0; i < ms.length; i++) {
            (i < half ? first : second).add(String.format(Locale.ROOT, "%.6f", ms[i]));
        }
        return """
                {"jmhVersion": "1.37", "benchmark": "dev.rill.benches.%s", "mode": "avgt", "threads": 1, "forks": 2,
                 "params": {%s},
                 "primaryMetric": {"score": %s, "scoreUnit": "ms/op", "rawData": [[%s], [%s]]},
                 "secondaryMetrics": {}}
                """.formatted(benchmark, p, String.format(Locale.ROOT, "%.6f", ms[0]), String.join(",", first),
                String.join(",", second));
    }

    private Path results(String... runs) throws IOException {
        Path file = Files.createTempFile(dir, "jmh-", ".json");
        Files.writeString(file, "[" + String.join(",", runs) + "]");
        return file;
    }

    private Path limits(String text) throws IOException {
        Path file = dir.resolve("limits.json");
        Files.writeString(file, text);
        return file;
    }

    private record Outcome(int code, String out, String err) {
    }

    private Outcome gate(Path limits, Path... results) {
        List<String> args = new ArrayList<>(List.of("--limits", limits.toString(), "--out", dir.resolve("out").toString()));
        for (Path r : results) {
            args.add(r.toString());
        }
        return gate(args.toArray(String[]::new));
    }

    private Outcome gate(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ReleaseGate.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Runs of every benchmark the limits name; sync at {@code syncMs} against raw at 100 ms. */
    private Path all(double syncMs, double rillMs, double switchingMs) throws IOException {
        Map<String, String> t50 = Map.of("tokens", "50");
        return results(
                run("B.raw", t50, 100, 100, 100, 100, 100, 100),
                // A slow outlier iteration: the median ignores it.
                run("B.sync", t50, syncMs, syncMs, syncMs, syncMs, syncMs, 900),
                run("B.raw", Map.of("tokens", "10"), 20, 20),
                run("P.rill", Map.of(), rillMs, rillMs),
                run("P.peer", Map.of(), 400, 400),
                run("A.steady", Map.of(), 1.0, 1.0),
                run("A.switching", Map.of(), switchingMs, switchingMs));
    }

    @Test
    void passes() throws IOException {
        Outcome o = gate(limits(LIMITS), all(100.2, 100, 1.1));
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().startsWith("# Release gate: PASS\n"), o.out());
        assertTrue(o.out().contains("| sync / raw | 100 ms/op | 100 ms/op | 1.002× | ≤ 1.01× (warn > 1.005×) | PASS |"),
                o.out());
        // 50 tokens in 0.1 s against 0.4 s: 500 against 125 tokens/s.
        assertTrue(o.out().contains("| Rill / peer | 125 tok/s | 500 tok/s | 4.000× |"), o.out());
        // (1.1 ms - 1.0 ms) / 10 steps = 10 µs.
        assertTrue(o.out().contains("| 10 µs | ≤ 50 µs (warn > 25 µs) | PASS |"), o.out());
        assertTrue(Files.size(dir.resolve("out/ratios.png")) > 1000);
        assertTrue(Files.readString(dir.resolve("out/verdict.md")).contains("| sync / raw |"));
    }

    @Test
    void warnsInsideTheBand() throws IOException {
        Outcome o = gate(limits(LIMITS), all(100.8, 100, 1.3));
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().startsWith("# Release gate: PASS with 2 warnings"), o.out());
        assertTrue(o.out().contains("| 1.008× | ≤ 1.01× (warn > 1.005×) | WARN |"), o.out());
        assertTrue(o.out().contains("| 30 µs | ≤ 50 µs (warn > 25 µs) | WARN |"), o.out());
    }

    @Test
    void failsPastTheLimit() throws IOException {
        Outcome o = gate(limits(LIMITS), all(102, 200, 1.1));
        assertEquals(1, o.code(), o.err());
        assertTrue(o.out().startsWith("# Release gate: FAIL (2 of 3 over the limit)"), o.out());
        assertTrue(o.out().contains("| 1.020× | ≤ 1.01× (warn > 1.005×) | FAIL |"), o.out());
        assertTrue(o.out().contains("| 2.000× | ≥ 3× (warn < 3.5×) | FAIL |"), o.out());
        assertTrue(Files.exists(dir.resolve("out/ratios.png")));
    }

    @Test
    void aMissingBenchmarkFails() throws IOException {
        Map<String, String> t50 = Map.of("tokens", "50");
        Path partial = results(run("B.raw", t50, 100, 100), run("B.sync", t50, 100, 100),
                run("A.steady", Map.of(), 1.0, 1.0), run("A.switching", Map.of(), 1.1, 1.1),
                run("P.rill", Map.of(), 100, 100));
        Outcome o = gate(limits(LIMITS), partial);
        assertEquals(1, o.code(), o.err());
        assertTrue(o.out().contains("| Rill / peer | — | — | — |"), o.out());
        assertTrue(o.out().contains("| MISSING |"), o.out());
        assertTrue(o.out().contains("not in the results: P.peer"), o.out());
    }

    @Test
    void aMissingParameterSetFails() throws IOException {
        Path wrongTokens = results(run("B.raw", Map.of("tokens", "10"), 100, 100),
                run("B.sync", Map.of("tokens", "50"), 100, 100), run("P.rill", Map.of(), 100, 100),
                run("P.peer", Map.of(), 400, 400), run("A.steady", Map.of(), 1.0, 1.0),
                run("A.switching", Map.of(), 1.1, 1.1));
        Outcome o = gate(limits(LIMITS), wrongTokens);
        assertEquals(1, o.code());
        assertTrue(o.out().contains("not in the results: B.raw {tokens=50}"), o.out());
    }

    @Test
    void structureOnlyIgnoresLimitsButNotMissingRuns() throws IOException {
        Path limits = limits(LIMITS);
        Path broken = all(150, 400, 9);
        Outcome quick = gate("--structure-only", "--limits", limits.toString(), "--out", dir.resolve("q").toString(),
                broken.toString());
        assertEquals(0, quick.code(), quick.err());
        assertTrue(quick.out().contains("FAIL (not enforced)"), quick.out());
        Path partial = results(run("B.raw", Map.of("tokens", "50"), 100, 100));
        Outcome missing = gate("--quick", "--limits", limits.toString(), "--out", dir.resolve("q").toString(),
                partial.toString());
        assertEquals(1, missing.code());
    }

    @Test
    void laterFilesAddToEarlierOnes() throws IOException {
        Map<String, String> t50 = Map.of("tokens", "50");
        Path first = results(run("B.raw", t50, 100, 100), run("B.sync", t50, 100, 100));
        Path second = results(run("P.rill", Map.of(), 100, 100), run("P.peer", Map.of(), 400, 400),
                run("A.steady", Map.of(), 1.0, 1.0), run("A.switching", Map.of(), 1.1, 1.1));
        assertEquals(0, gate(limits(LIMITS), first, second).code());
    }

    @Test
    void malformedResultsAreTwo() throws IOException {
        Path limits = limits(LIMITS);
        Path notJson = dir.resolve("broken.json");
        Files.writeString(notJson, "[{\"benchmark\": \"x\", ");
        Outcome o = gate(limits, notJson);
        assertEquals(2, o.code());
        assertTrue(o.err().contains("is not JSON"), o.err());

        Path object = dir.resolve("object.json");
        Files.writeString(object, "{\"benchmark\": \"x\"}");
        assertEquals(2, gate(limits, object).code());

        Path noMetric = dir.resolve("nometric.json");
        Files.writeString(noMetric, "[{\"benchmark\": \"dev.B.raw\", \"mode\": \"avgt\"}]");
        Outcome o2 = gate(limits, noMetric);
        assertEquals(2, o2.code());
        assertTrue(o2.err().contains("no primaryMetric"), o2.err());

        Path badUnit = dir.resolve("unit.json");
        Files.writeString(badUnit, "[{\"benchmark\": \"dev.B.raw\", \"mode\": \"avgt\", \"primaryMetric\": "
                + "{\"score\": 1, \"scoreUnit\": \"furlongs\", \"rawData\": [[1]]}}]");
        assertEquals(2, gate(limits, badUnit).code());

        Path textValue = dir.resolve("text.json");
        Files.writeString(textValue, "[{\"benchmark\": \"dev.B.raw\", \"mode\": \"avgt\", \"primaryMetric\": "
                + "{\"score\": 1, \"scoreUnit\": \"ms/op\", \"rawData\": [[\"fast\"]]}}]");
        assertEquals(2, gate(limits, textValue).code());

        assertEquals(2, gate(limits, dir.resolve("absent.json")).code());
    }

    @Test
    void malformedLimitsAreTwo() throws IOException {
        Path results = all(100, 100, 1.1);
        assertEquals(2, gate(limits("{\"version\": 2, \"rules\": []}"), results).code());
        assertEquals(2, gate(limits("{\"rules\": [{}]}"), results).code());
        assertEquals(2, gate(limits("not json"), results).code());
        // The warning threshold beyond the limit.
        assertEquals(2, gate(limits(LIMITS.replace("\"warn\": 1.005", "\"warn\": 1.02")), results).code());
        assertEquals(2, gate(limits(LIMITS.replace("\"direction\": \"<=\", \"limit\": 1.01",
                "\"direction\": \"<\", \"limit\": 1.01")), results).code());
        // A side that matches two runs.
        assertEquals(2, gate(limits(LIMITS.replace("\"benchmark\": \"B.raw\", \"params\": {\"tokens\": \"50\"}",
                "\"benchmark\": \"B.raw\"")), results).code());
    }

    @Test
    void badArgumentsAreTwo() throws IOException {
        assertEquals(2, gate().code());
        assertEquals(2, gate("--limits").code());
        assertEquals(2, gate("--limits", limits(LIMITS).toString(), "--out", dir.toString()).code());
        assertEquals(2, gate("--frobnicate").code());
    }

    @Test
    void readsSampleTimeHistogramsAndThroughput() throws IOException {
        Path file = results("""
                {"benchmark": "dev.T.sample", "mode": "sample", "params": {},
                 "primaryMetric": {"score": 9, "scoreUnit": "ms/op",
                   "rawDataHistogram": [[[[1.0, 3], [2.0, 1]], [[50.0, 1]]]]}}
                """, """
                {"benchmark": "dev.T.thrpt", "mode": "thrpt", "params": {},
                 "primaryMetric": {"score": 4, "scoreUnit": "ops/s", "rawData": [[4, 4, 4]]}}
                """);
        JmhResults r;
        try {
            r = JmhResults.read(List.of(file));
        } catch (GateInputException e) {
            throw new AssertionError(e);
        }
        // Samples 1, 1, 1, 2, 50: median 1 ms.
        assertEquals(1e-3, r.find("T.sample", Map.of()).get(0).medianSeconds(), 1e-12);
        assertEquals(0.25, r.find("T.thrpt", Map.of()).get(0).medianSeconds(), 1e-12);
    }
}
