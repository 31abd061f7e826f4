package dev.rill.benches.gate;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The release gate: turns JMH's JSON results into a verdict. It derives each figure of the limits file from the
 * medians of the runs it names, prints a table (baseline, current, ratio, limit, verdict), writes it as
 * {@code verdict.md} and a plot of the figures as {@code ratios.png} into the output folder, and exits
 *
 * <ul>
 *   <li>0 when every figure is within its limit (warnings included),</li>
 *   <li>1 when a figure broke its limit or a benchmark a figure needs is missing from the results,</li>
 *   <li>2 on malformed input (results or limits that cannot be read) or bad arguments.</li>
 * </ul>
 *
 * <p>{@code --structure-only} (the quick profile) still fails on missing benchmarks and malformed input, and still
 * reports every figure, but does not fail on limits: the numbers of a short run mean nothing.
 *
 * <pre>
 * java -Djava.awt.headless=true -cp benches/target/benchmarks.jar dev.rill.benches.gate.ReleaseGate \
 *     --limits benches/limits.json --out benches/results/latest benches/results/latest/*.json
 * </pre>
 */
public final class ReleaseGate {
    static final int OK = 0;
    static final int BROKEN = 1;
    static final int MALFORMED = 2;

    private static final String USAGE = "usage: ReleaseGate [--structure-only] --limits LIMITS.json --out DIR "
            + "RESULT.json...";

    private ReleaseGate() {
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(run(args, System.out, System.err));
    }

    /** Everything {@link #main} does but exiting; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Path limitsFile = null;
        Path outDir = null;
        boolean structureOnly = false;
        List<Path> results = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--limits" -> {
                    if (++i == args.length) {
                        return usage(err, "--limits needs a file");
                    }
                    limitsFile = Path.of(args[i]);
                }
                case "--out" -> {
                    if (++i == args.length) {
                        return usage(err, "--out needs a folder");
                    }
                    outDir = Path.of(args[i]);
                }
                case "--structure-only", "--quick" -> structureOnly = true;
                case "-h", "--help" -> {
                    out.println(USAGE);
                    return OK;
                }
                default -> {
                    if (args[i].startsWith("--")) {
                        return usage(err, "unknown option " + args[i]);
                    }
                    results.add(Path.of(args[i]));
                }
            }
        }
        if (limitsFile == null || outDir == null || results.isEmpty()) {
            return usage(err, "give the limits file, the output folder and at least one result file");
        }
        try {
            Limits limits = Limits.read(limitsFile);
            JmhResults jmh = JmhResults.read(results);
            List<Evaluation> evaluations = Evaluation.evaluate(limits, jmh);
            Outcome outcome = Outcome.of(evaluations, structureOnly);
            String markdown = markdown(limits, limitsFile, results, jmh, evaluations, outcome, structureOnly);
            Files.createDirectories(outDir);
            Files.writeString(outDir.resolve("verdict.md"), markdown);
            RatioPlot.write(evaluations, "Release gate: " + outcome.headline(), outDir.resolve("ratios.png"));
            out.print(markdown);
            out.println();
            out.println("wrote " + outDir.resolve("verdict.md") + " and " + outDir.resolve("ratios.png"));
            return outcome.exitCode();
        } catch (GateInputException e) {
            err.println("release gate: malformed input: " + e.getMessage());
            return MALFORMED;
        } catch (IOException e) {
            err.println("release gate: cannot write into " + outDir + ": " + e.getMessage());
            return MALFORMED;
        }
    }

    private static int usage(PrintStream err, String problem) {
        err.println("release gate: " + problem);
        err.println(USAGE);
        return MALFORMED;
    }

    /** The overall verdict. */
    record Outcome(String headline, int exitCode) {
        static Outcome of(List<Evaluation> evaluations, boolean structureOnly) {
            long missing = count(evaluations, Verdict.MISSING);
            long failed = count(evaluations, Verdict.FAIL);
            long warned = count(evaluations, Verdict.WARN);
            if (missing > 0) {
                return new Outcome("FAIL (" + missing + " missing" + (failed > 0 && !structureOnly ? ", " + failed
                        + " over the limit" : "") + ")", BROKEN);
            }
            if (structureOnly) {
                return new Outcome("STRUCTURE OK (every benchmark ran; limits not enforced on a quick run)", OK);
            }
            if (failed > 0) {
                return new Outcome("FAIL (" + failed + " of " + evaluations.size() + " over the limit)", BROKEN);
            }
            if (warned > 0) {
                return new Outcome("PASS with " + warned + " warning" + (warned > 1 ? "s" : ""), OK);
            }
            return new Outcome("PASS", OK);
        }

        private static long count(List<Evaluation> evaluations, Verdict verdict) {
            return evaluations.stream().filter(e -> e.verdict() == verdict).count();
        }
    }

    static String markdown(Limits limits, Path limitsFile, List<Path> results, JmhResults jmh,
            List<Evaluation> evaluations, Outcome outcome, boolean structureOnly) {
        StringBuilder md = new StringBuilder();
        md.append("# Release gate: ").append(outcome.headline()).append("\n\n");
        md.append("Limits: `").append(limitsFile).append("` (format ").append(limits.version());
        if (!limits.revision().isEmpty()) {
            md.append(", revision ").append(limits.revision());
        }
        md.append("). Results: ").append(results.stream().map(p -> "`" + p.getFileName() + "`")
                .collect(Collectors.joining(", "))).append(".");
        if (structureOnly) {
            md.append(" Structure only: a missing benchmark fails, limits are reported but not enforced.");
        }
        md.append("\n\n");
        md.append("| figure | baseline | current | ratio | limit | verdict |\n");
        md.append("|---|---:|---:|---:|---|---|\n");
        for (Evaluation e : evaluations) {
            String verdict = e.verdict().name();
            if (structureOnly && (e.verdict() == Verdict.FAIL || e.verdict() == Verdict.WARN)) {
                verdict += " (not enforced)";
            }
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s |%n", e.rule().title(),
                    e.baselineText(), e.currentText(), e.valueText(), e.limitText(), verdict));
        }
        md.append("\n");
        md.append("Baseline is the figure's denominator (what it is compared with), current its numerator; both are "
                + "medians over every measured iteration of every fork. A missing benchmark fails the gate.\n\n");
        for (Evaluation e : evaluations) {
            md.append("* **").append(e.rule().title()).append("** (`").append(e.rule().id()).append("`): ")
                    .append(describe(e.rule()));
            if (!e.note().isEmpty()) {
                md.append(" — ").append(e.note());
            }
            md.append("\n");
        }
        md.append("\n## Every run\n\n");
        md.append("| benchmark | params | median | samples |\n|---|---|---:|---:|\n");
        for (JmhResults.Run run : jmh.runs()) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %s ms/op | %d |%n", run.shortName(),
                    run.params().isEmpty() ? "" : run.params().toString(),
                    Evaluation.format(run.medianSeconds() * 1e3), run.samples()));
        }
        return md.toString();
    }

    private static String describe(Limits.Rule rule) {
        if (rule.kind() == Limits.Kind.STEP_DIFFERENCE) {
            return "(" + rule.numerator().label() + " − " + rule.denominator().label() + ") / " + fmtSteps(rule.steps())
                    + " steps";
        }
        return side(rule.numerator()) + " / " + side(rule.denominator());
    }

    private static String side(Limits.Side side) {
        return side.measure() == Limits.Measure.RATE
                ? "rate of " + side.label() + " (" + fmtSteps(side.work()) + " tokens per op)"
                : "time of " + side.label();
    }

    private static String fmtSteps(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
