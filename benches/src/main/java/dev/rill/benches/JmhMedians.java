package dev.rill.benches;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Prints Markdown tables of medians from JMH JSON results ({@code -rf json -rff FILE}): the median over every
 * measurement iteration of every fork, which a few iterations slowed by other work on a shared machine move
 * far less than the mean JMH prints.
 *
 * <p>For benchmarks with a {@code tokens} parameter (time per invocation of that many tokens) it also prints
 * tokens per second, the cost of each extra token between consecutive {@code tokens} values (equal costs mean
 * time is linear in tokens), and, where a {@code generate} and a {@code raw} benchmark of the same class share
 * parameters, the ratios between them.
 *
 * <pre>
 * java -cp benches/target/benchmarks.jar dev.rill.benches.JmhMedians benches/target/streaming-overhead.json
 * </pre>
 */
public final class JmhMedians {
    private JmhMedians() {
    }

    /** One benchmark with one set of parameters. */
    record Row(String className, String method, Map<String, String> params, String unit, double[] values) {
        double median() {
            return JmhMedians.median(values);
        }

        String paramText() {
            return params.isEmpty() ? "" : params.toString();
        }

        Integer tokens() {
            String t = params.get("tokens");
            return t == null ? null : Integer.valueOf(t);
        }

        /** Tokens per second from a time per invocation, or NaN when the unit is not a time per operation. */
        double tokensPerSecond(double timePerOp) {
            Integer t = tokens();
            double seconds = switch (unit) {
                case "s/op" -> timePerOp;
                case "ms/op" -> timePerOp / 1e3;
                case "us/op" -> timePerOp / 1e6;
                case "ns/op" -> timePerOp / 1e9;
                default -> Double.NaN;
            };
            return t == null ? Double.NaN : t / seconds;
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("usage: JmhMedians RESULT.json...");
            System.exit(2);
        }
        for (String arg : args) {
            System.out.println("## " + arg);
            System.out.println();
            print(read(Path.of(arg)));
        }
    }

    static List<Row> read(Path file) throws IOException {
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        List<Row> rows = new ArrayList<>();
        for (JsonNode run : root) {
            String benchmark = run.get("benchmark").asText();
            int dot = benchmark.lastIndexOf('.');
            Map<String, String> params = new TreeMap<>();
            JsonNode p = run.get("params");
            if (p != null) {
                p.fields().forEachRemaining(e -> params.put(e.getKey(), e.getValue().asText()));
            }
            JsonNode metric = run.get("primaryMetric");
            List<Double> values = new ArrayList<>();
            for (JsonNode fork : metric.get("rawData")) {
                for (JsonNode v : fork) {
                    values.add(v.asDouble());
                }
            }
            rows.add(new Row(benchmark.substring(0, dot), benchmark.substring(dot + 1), params,
                    metric.get("scoreUnit").asText(), values.stream().mapToDouble(Double::doubleValue).toArray()));
        }
        return rows;
    }

    static void print(List<Row> rows) {
        System.out.println("| benchmark | params | median | min | max | iterations | unit | tokens/s at median |");
        System.out.println("|---|---|---:|---:|---:|---:|---|---:|");
        for (Row r : rows) {
            double[] sorted = r.values().clone();
            Arrays.sort(sorted);
            System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s | %d | %s | %s |%n", r.method(), r.paramText(),
                    fmt(r.median()), fmt(sorted[0]), fmt(sorted[sorted.length - 1]), sorted.length, r.unit(),
                    fmt(r.tokensPerSecond(r.median())));
        }
        System.out.println();
        printIncrements(rows);
        printRatios(rows);
    }

    /** Time per extra token between consecutive token counts, per benchmark and other parameters. */
    private static void printIncrements(List<Row> rows) {
        Map<String, TreeMap<Integer, Row>> series = new LinkedHashMap<>();
        for (Row r : rows) {
            if (r.tokens() == null) {
                continue;
            }
            Map<String, String> others = new TreeMap<>(r.params());
            others.remove("tokens");
            series.computeIfAbsent(r.className() + "." + r.method() + " " + others, k -> new TreeMap<>())
                    .put(r.tokens(), r);
        }
        if (series.values().stream().noneMatch(s -> s.size() > 1)) {
            return;
        }
        System.out.println("| benchmark | from tokens | to tokens | cost per extra token (median) | t(last) / t(first) |");
        System.out.println("|---|---:|---:|---:|---:|");
        for (var entry : series.entrySet()) {
            TreeMap<Integer, Row> s = entry.getValue();
            Row first = s.firstEntry().getValue();
            Row previous = null;
            for (Row r : s.values()) {
                if (previous != null) {
                    double perToken = (r.median() - previous.median()) / (r.tokens() - previous.tokens());
                    System.out.printf(Locale.ROOT, "| %s | %d | %d | %s %s | %s |%n", r.method(), previous.tokens(),
                            r.tokens(), fmt(perToken), r.unit(), fmt(r.median() / first.median()));
                }
                previous = r;
            }
        }
        System.out.println();
    }

    /** generate against raw for each shared parameter set. */
    private static void printRatios(List<Row> rows) {
        List<String> lines = new ArrayList<>();
        for (Row g : rows) {
            if (!g.method().equals("generate")) {
                continue;
            }
            for (Row raw : rows) {
                if (raw.method().equals("raw") && raw.className().equals(g.className()) && raw.params().equals(g.params())) {
                    double timeRatio = g.median() / raw.median();
                    lines.add(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s |", g.paramText(),
                            fmt(raw.median()), fmt(g.median()), fmt(timeRatio), fmt(1 / timeRatio),
                            fmt(g.median() - raw.median())));
                }
            }
        }
        if (lines.isEmpty()) {
            return;
        }
        System.out.println("| params | raw median | generate median | generate / raw time | generate / raw tokens/s | "
                + "difference per invocation |");
        System.out.println("|---|---:|---:|---:|---:|---:|");
        lines.forEach(System.out::println);
        System.out.println();
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "";
        }
        double a = Math.abs(v);
        return String.format(Locale.ROOT, a >= 100 ? "%.1f" : a >= 1 ? "%.3f" : "%.4f", v);
    }
}
