package dev.rill.benches;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import java.util.stream.DoubleStream;

/**
 * Prints the prompt and decode speed of every implementation as Markdown tables, from the JMH JSON of
 * {@link ProfileSpeedBenchmark} and the JSON of {@code benches/llama-bench} (files named {@code <build>-<model>.json},
 * {@code llama-bench ... -o json}), then the goals' ratios: Rill on the current profile over llama-bench, and Rill
 * over the raw loop on each profile.
 *
 * <p>Each cell is tokens/s: the median over every measured iteration (JMH: {@code 128} prompt tokens or
 * {@code 32} generated tokens over each iteration's mean time per invocation; llama-bench: each repetition's
 * tokens/s), with the minimum and maximum. llama-bench runs of one implementation, model and work from several
 * files are pooled; a JMH run of the same benchmark and parameters in a later file replaces an earlier one.
 * Ratios are given of the medians and of the best (fastest) iterations.
 *
 * <pre>
 * java -cp benches/target/benchmarks.jar dev.rill.benches.SpeedTable benches/target/profile-speed.json \
 *     benches/target/llama-bench/*.json
 * </pre>
 */
public final class SpeedTable {
    /** The goal for Rill on the current profile over llama-bench, prompt and decode. */
    static final double LLAMA_BENCH_GOAL = 0.95;
    /** The goal for Rill over the raw loop on each profile. */
    static final double RAW_GOAL = 0.98;

    private SpeedTable() {
    }

    /**
     * The rates of one implementation on one model and one work: tokens/s per iteration or repetition.
     *
     * @param pooled whether a later cell of the same implementation, model and work adds its rates to this one's
     *     (llama-bench runs) rather than replacing it (JMH runs, as in the release gate)
     */
    record Cell(String implementation, String model, String work, double[] rates, boolean pooled) {
        double median() {
            return JmhMedians.median(rates);
        }

        double min() {
            return Arrays.stream(rates).min().orElse(Double.NaN);
        }

        double max() {
            return Arrays.stream(rates).max().orElse(Double.NaN);
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("usage: SpeedTable [profile-speed.json] [<build>-<model>.json from benches/llama-bench]...");
            System.exit(2);
        }
        List<Cell> cells = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String arg : args) {
            Path file = Path.of(arg);
            JsonNode root = json.readTree(file.toFile());
            if (root.isArray() && !root.isEmpty() && root.get(0).has("benchmark")) {
                cells.addAll(readJmh(root));
            } else {
                cells.addAll(readLlamaBench(root, file));
            }
        }
        print(cells, System.out);
    }

    static List<Cell> readJmh(JsonNode root) {
        List<Cell> cells = new ArrayList<>();
        for (JsonNode run : root) {
            String benchmark = run.get("benchmark").asText();
            String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
            JsonNode params = run.get("params");
            if (params == null || params.get("model") == null || params.get("work") == null) {
                continue;
            }
            String model = params.get("model").asText();
            String work = params.get("work").asText();
            String implementation = switch (method) {
                case "rill" -> "Rill, " + params.get("profile").asText();
                case "raw" -> "raw loop, " + params.get("profile").asText();
                case "peer" -> "de.kherud:llama (b4916)";
                default -> method;
            };
            JsonNode metric = run.get("primaryMetric");
            double unit = secondsPer(metric.get("scoreUnit").asText());
            int counted = ProfileSpeedBenchmark.Work.of(work).counted;
            List<Double> rates = new ArrayList<>();
            for (JsonNode fork : metric.get("rawData")) {
                for (JsonNode value : fork) {
                    rates.add(counted / (value.asDouble() * unit));
                }
            }
            cells.add(new Cell(implementation, model, work,
                    rates.stream().mapToDouble(Double::doubleValue).toArray(), false));
        }
        return cells;
    }

    private static double secondsPer(String unit) {
        return switch (unit) {
            case "s/op" -> 1;
            case "ms/op" -> 1e-3;
            case "us/op" -> 1e-6;
            case "ns/op" -> 1e-9;
            default -> throw new IllegalArgumentException("not a time per operation: " + unit);
        };
    }

    static List<Cell> readLlamaBench(JsonNode root, Path file) {
        String name = file.getFileName().toString();
        int dash = name.indexOf('-');
        String build = dash > 0 ? name.substring(0, dash) : name;
        List<Cell> cells = new ArrayList<>();
        for (JsonNode test : root) {
            String model = Path.of(test.get("model_filename").asText()).getFileName().toString()
                    .replaceFirst("\\.gguf$", "");
            int prompt = test.get("n_prompt").asInt();
            int generated = test.get("n_gen").asInt();
            String work = prompt > 0 && generated == 0 ? "pp" + prompt
                    : prompt == 0 && generated > 0 ? "tg" + generated : "pp" + prompt + "+tg" + generated;
            String implementation = "llama-bench " + build + ", fa " + flashAttention(test.get("flash_attn"));
            double[] rates = new double[test.get("samples_ts").size()];
            for (int i = 0; i < rates.length; i++) {
                rates[i] = test.get("samples_ts").get(i).asDouble();
            }
            cells.add(new Cell(implementation, model, work, rates, true));
        }
        return cells;
    }

    private static String flashAttention(JsonNode value) {
        if (value == null) {
            return "?";
        }
        if (value.isBoolean()) {
            return value.asBoolean() ? "on" : "off";
        }
        if (value.isNumber()) {
            return switch (value.asInt()) {
                case 0 -> "off";
                case 1 -> "on";
                default -> "auto";
            };
        }
        return value.asText();
    }

    static void print(List<Cell> cells, PrintStream out) {
        Map<String, Map<String, Map<String, Cell>>> byModel = new LinkedHashMap<>();
        for (Cell c : cells) {
            // llama-bench runs of the same implementation, model and work from several files (before and after the
            // JMH run, say) are pooled; a later JMH run replaces an earlier one.
            byModel.computeIfAbsent(c.model(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(c.implementation(), k -> new LinkedHashMap<>())
                    .merge(c.work(), c, (a, b) -> !b.pooled() ? b : new Cell(a.implementation(), a.model(), a.work(),
                            DoubleStream.concat(Arrays.stream(a.rates()), Arrays.stream(b.rates())).toArray(), true));
        }
        out.println("| model | implementation | prompt tokens/s (pp128): median | min-max | decode tokens/s "
                + "(tg32): median | min-max |");
        out.println("|---|---|---:|---:|---:|---:|");
        for (var model : byModel.entrySet()) {
            for (String implementation : order(model.getValue().keySet())) {
                Map<String, Cell> works = model.getValue().get(implementation);
                out.printf(Locale.ROOT, "| %s | %s | %s | %s |%n", model.getKey(), implementation,
                        rate(works.get("pp128")), rate(works.get("tg32")));
            }
        }
        out.println();
        printRatios(byModel, out);
    }

    /** Rill and its raw loop per profile first, then the peer, then llama-bench. */
    private static List<String> order(Set<String> implementations) {
        List<String> ordered = new ArrayList<>(implementations);
        ordered.sort((a, b) -> {
            int c = Integer.compare(rank(a), rank(b));
            return c != 0 ? c : a.compareTo(b);
        });
        return ordered;
    }

    private static int rank(String implementation) {
        if (implementation.equals("Rill, current")) {
            return 0;
        }
        if (implementation.equals("raw loop, current")) {
            return 1;
        }
        if (implementation.equals("Rill, b4916")) {
            return 2;
        }
        if (implementation.equals("raw loop, b4916")) {
            return 3;
        }
        return implementation.startsWith("llama-bench") ? 5 : 4;
    }

    private static String rate(Cell cell) {
        if (cell == null) {
            return " | ";
        }
        return String.format(Locale.ROOT, "%.1f | %.1f-%.1f", cell.median(), cell.min(), cell.max());
    }

    private static void printRatios(Map<String, Map<String, Map<String, Cell>>> byModel, PrintStream out) {
        List<String> lines = new ArrayList<>();
        for (var model : byModel.entrySet()) {
            Map<String, Map<String, Cell>> impls = model.getValue();
            for (String baseline : order(impls.keySet())) {
                if (baseline.startsWith("llama-bench")) {
                    ratio(lines, model.getKey(), impls, "Rill, current", baseline, LLAMA_BENCH_GOAL);
                }
            }
            ratio(lines, model.getKey(), impls, "Rill, current", "raw loop, current", RAW_GOAL);
            ratio(lines, model.getKey(), impls, "Rill, b4916", "raw loop, b4916", RAW_GOAL);
            ratio(lines, model.getKey(), impls, "Rill, b4916", "de.kherud:llama (b4916)", Double.NaN);
        }
        if (lines.isEmpty()) {
            return;
        }
        out.println("| model | ratio | prompt (pp128): medians | best | decode (tg32): medians | best | goal "
                + "| verdict on medians | on best |");
        out.println("|---|---|---:|---:|---:|---:|---:|---|---|");
        lines.forEach(out::println);
        out.println();
        out.println("Best: the fastest iteration (repetition) of each side. Other work on the machine only ever slows a "
                + "run down, so the fastest of several estimates the undisturbed speed.");
        out.println();
    }

    private static void ratio(List<String> lines, String model, Map<String, Map<String, Cell>> impls, String numerator,
                              String denominator, double goal) {
        Map<String, Cell> top = impls.get(numerator);
        Map<String, Cell> bottom = impls.get(denominator);
        if (top == null || bottom == null) {
            return;
        }
        double prompt = ratio(top.get("pp128"), bottom.get("pp128"), Cell::median);
        double decode = ratio(top.get("tg32"), bottom.get("tg32"), Cell::median);
        double bestPrompt = ratio(top.get("pp128"), bottom.get("pp128"), Cell::max);
        double bestDecode = ratio(top.get("tg32"), bottom.get("tg32"), Cell::max);
        lines.add(String.format(Locale.ROOT, "| %s | %s / %s | %s | %s | %s | %s | %s | %s | %s |", model, numerator,
                denominator, fmt(prompt), fmt(bestPrompt), fmt(decode), fmt(bestDecode),
                Double.isNaN(goal) ? "" : String.format(Locale.ROOT, "≥ %.2f", goal), verdict(prompt, decode, goal),
                verdict(bestPrompt, bestDecode, goal)));
    }

    static String verdict(double prompt, double decode, double goal) {
        if (Double.isNaN(goal)) {
            return "";
        }
        if (Double.isNaN(prompt) || Double.isNaN(decode)) {
            return "incomplete";
        }
        if (prompt >= goal && decode >= goal) {
            return "met";
        }
        return "not met" + (prompt < goal ? " (prompt)" : "") + (decode < goal ? " (decode)" : "");
    }

    private static double ratio(Cell top, Cell bottom, ToDoubleFunction<Cell> measure) {
        return top == null || bottom == null ? Double.NaN : measure.applyAsDouble(top) / measure.applyAsDouble(bottom);
    }

    private static String fmt(double value) {
        return Double.isNaN(value) ? "" : String.format(Locale.ROOT, "%.3f", value);
    }
}
