package dev.rill.benches.gate;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The runs in one or more JMH JSON result files ({@code -rf json -rff FILE}), each reduced to the median over every
 * measured iteration of every fork, in seconds per operation.
 *
 * <p>The median, not JMH's mean: on a shared machine a few iterations slowed by other work move the mean far more
 * than the median. Average-time and single-shot runs use {@code rawData}; sample-time runs use
 * {@code rawDataHistogram}; throughput runs are turned into time per operation. A run with no raw data falls back
 * to JMH's score.
 */
public final class JmhResults {
    /** One benchmark method with one set of parameters. */
    public record Run(String benchmark, Map<String, String> params, String mode, String unit, double medianSeconds,
            int samples) {
        /** {@code Class.method} without the package. */
        public String shortName() {
            int method = benchmark.lastIndexOf('.');
            int type = method < 0 ? -1 : benchmark.lastIndexOf('.', method - 1);
            return benchmark.substring(type + 1);
        }
    }

    private final List<Run> runs;

    private JmhResults(List<Run> runs) {
        this.runs = List.copyOf(runs);
    }

    public List<Run> runs() {
        return runs;
    }

    /** Reads and merges the files; a later file's run of the same benchmark and parameters replaces an earlier one. */
    public static JmhResults read(List<Path> files) throws GateInputException {
        List<Run> all = new ArrayList<>();
        ObjectMapper mapper = new ObjectMapper();
        for (Path file : files) {
            JsonNode root;
            try {
                root = mapper.readTree(file.toFile());
            } catch (JacksonException e) {
                throw new GateInputException(file + " is not JSON: " + e.getOriginalMessage(), e);
            } catch (IOException e) {
                throw new GateInputException("cannot read " + file + ": " + e.getMessage(), e);
            }
            if (root == null || !root.isArray()) {
                throw new GateInputException(file + " is not a JMH JSON result (an array of runs)");
            }
            for (int i = 0; i < root.size(); i++) {
                Run run = parse(root.get(i), file + " run " + i);
                all.removeIf(r -> r.benchmark().equals(run.benchmark()) && r.params().equals(run.params()));
                all.add(run);
            }
        }
        return new JmhResults(all);
    }

    /**
     * The runs whose benchmark is {@code name} ({@code Class.method}, or the fully qualified name) and whose
     * parameters include every one in {@code params}.
     */
    public List<Run> find(String name, Map<String, String> params) {
        List<Run> found = new ArrayList<>();
        for (Run run : runs) {
            boolean named = run.benchmark().equals(name) || run.benchmark().endsWith("." + name);
            if (named && run.params().entrySet().containsAll(params.entrySet())) {
                found.add(run);
            }
        }
        return Collections.unmodifiableList(found);
    }

    private static Run parse(JsonNode run, String where) throws GateInputException {
        String benchmark = text(run, "benchmark", where);
        String mode = text(run, "mode", where);
        Map<String, String> params = new TreeMap<>();
        JsonNode p = run.get("params");
        if (p != null && !p.isNull()) {
            if (!p.isObject()) {
                throw new GateInputException(where + ": params is not an object");
            }
            for (var e : p.properties()) {
                params.put(e.getKey(), e.getValue().asText());
            }
        }
        JsonNode metric = run.get("primaryMetric");
        if (metric == null || !metric.isObject()) {
            throw new GateInputException(where + " (" + benchmark + "): no primaryMetric");
        }
        String unit = text(metric, "scoreUnit", where);
        double[] values = rawValues(metric, where);
        double median;
        if (values.length > 0) {
            median = median(values);
        } else {
            JsonNode score = metric.get("score");
            if (score == null || !score.isNumber()) {
                throw new GateInputException(where + " (" + benchmark + "): neither raw data nor a numeric score");
            }
            median = score.asDouble();
        }
        double seconds = toSecondsPerOp(median, unit, where);
        if (!(seconds > 0) || Double.isInfinite(seconds)) {
            throw new GateInputException(where + " (" + benchmark + "): median " + median + " " + unit
                    + " is not a positive time");
        }
        return new Run(benchmark, Collections.unmodifiableMap(params), mode, unit, seconds, Math.max(values.length, 1));
    }

    private static double[] rawValues(JsonNode metric, String where) throws GateInputException {
        List<Double> values = new ArrayList<>();
        JsonNode raw = metric.get("rawData");
        JsonNode histogram = metric.get("rawDataHistogram");
        if (raw != null && raw.isArray()) {
            for (JsonNode fork : raw) {
                if (!fork.isArray()) {
                    throw new GateInputException(where + ": rawData is not an array of arrays");
                }
                for (JsonNode v : fork) {
                    if (!v.isNumber()) {
                        throw new GateInputException(where + ": rawData holds " + v + ", not a number");
                    }
                    values.add(v.asDouble());
                }
            }
        } else if (histogram != null && histogram.isArray()) {
            // [fork][iteration][[value, count], ...]: every sample, expanded, capped so that a huge run stays cheap.
            for (JsonNode fork : histogram) {
                for (JsonNode iteration : fork) {
                    for (JsonNode bucket : iteration) {
                        if (!bucket.isArray() || bucket.size() != 2 || !bucket.get(0).isNumber()
                                || !bucket.get(1).isNumber()) {
                            throw new GateInputException(where + ": rawDataHistogram bucket " + bucket
                                    + " is not [value, count]");
                        }
                        long count = Math.min(bucket.get(1).asLong(), 1_000_000);
                        for (long c = 0; c < count; c++) {
                            values.add(bucket.get(0).asDouble());
                        }
                    }
                }
            }
        }
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** A JMH score in {@code unit} as seconds per operation. */
    static double toSecondsPerOp(double value, String unit, String where) throws GateInputException {
        return switch (unit) {
            case "s/op" -> value;
            case "ms/op" -> value / 1e3;
            case "us/op" -> value / 1e6;
            case "ns/op" -> value / 1e9;
            case "ops/s" -> 1 / value;
            case "ops/ms" -> 1 / (value * 1e3);
            case "ops/us" -> 1 / (value * 1e6);
            case "ops/ns" -> 1 / (value * 1e9);
            default -> throw new GateInputException(where + ": unknown score unit " + unit);
        };
    }

    private static String text(JsonNode node, String field, String where) throws GateInputException {
        JsonNode v = node == null ? null : node.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new GateInputException(where + ": missing or empty \"" + field + "\"");
        }
        return v.asText();
    }
}
