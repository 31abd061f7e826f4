package dev.rill.benches.gate;

import dev.rill.benches.gate.Limits.Kind;
import dev.rill.benches.gate.Limits.Measure;
import dev.rill.benches.gate.Limits.Rule;
import dev.rill.benches.gate.Limits.Side;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One rule applied to the results: the baseline (the denominator's figure), the current one (the numerator's), the
 * figure made of them and its verdict. Baseline and current are NaN when a benchmark is missing.
 */
public record Evaluation(Rule rule, double baseline, double current, double value, Verdict verdict, String note) {

    /** Applies every rule of {@code limits} to {@code results}. */
    public static List<Evaluation> evaluate(Limits limits, JmhResults results) throws GateInputException {
        List<Evaluation> out = new ArrayList<>();
        for (Rule rule : limits.rules()) {
            out.add(evaluate(rule, results));
        }
        return out;
    }

    static Evaluation evaluate(Rule rule, JmhResults results) throws GateInputException {
        JmhResults.Run numerator = find(rule, rule.numerator(), results);
        JmhResults.Run denominator = find(rule, rule.denominator(), results);
        List<String> missing = new ArrayList<>();
        if (numerator == null) {
            missing.add(rule.numerator().label());
        }
        if (denominator == null) {
            missing.add(rule.denominator().label());
        }
        if (!missing.isEmpty()) {
            return new Evaluation(rule, Double.NaN, Double.NaN, Double.NaN, Verdict.MISSING,
                    "not in the results: " + String.join(", ", missing));
        }
        double baseline = figure(rule, rule.denominator(), denominator);
        double current = figure(rule, rule.numerator(), numerator);
        double value = rule.kind() == Kind.RATIO ? current / baseline : current - baseline;
        Verdict verdict;
        if (!Double.isFinite(value) || !rule.withinLimit(value)) {
            verdict = Verdict.FAIL;
        } else if (!rule.withinWarn(value)) {
            verdict = Verdict.WARN;
        } else {
            verdict = Verdict.PASS;
        }
        return new Evaluation(rule, baseline, current, value, verdict, "");
    }

    /** What a side contributes: ms per operation, work per second, or µs per step. */
    private static double figure(Rule rule, Side side, JmhResults.Run run) {
        if (rule.kind() == Kind.STEP_DIFFERENCE) {
            return run.medianSeconds() * 1e6 / rule.steps();
        }
        return side.measure() == Measure.RATE ? side.work() / run.medianSeconds() : run.medianSeconds() * 1e3;
    }

    private static JmhResults.Run find(Rule rule, Side side, JmhResults results) throws GateInputException {
        List<JmhResults.Run> found = results.find(side.benchmark(), side.params());
        if (found.size() > 1) {
            throw new GateInputException("rule " + rule.id() + ": " + side.label() + " matches " + found.size()
                    + " runs; fix more parameters in the limits file");
        }
        return found.isEmpty() ? null : found.get(0);
    }

    /** The unit of {@link #baseline} and {@link #current}. */
    public String sideUnit() {
        if (rule.kind() == Kind.STEP_DIFFERENCE) {
            return "µs/step";
        }
        Side side = rule.denominator();
        return side.measure() == Measure.RATE ? "tok/s" : "ms/op";
    }

    public String baselineText() {
        return Double.isNaN(baseline) ? "—" : format(baseline) + " " + sideUnit();
    }

    public String currentText() {
        return Double.isNaN(current) ? "—" : format(current) + " " + sideUnit();
    }

    public String valueText() {
        if (Double.isNaN(value)) {
            return "—";
        }
        return rule.kind() == Kind.RATIO ? String.format(Locale.ROOT, "%.3f×", value) : format(value) + " " + rule.unit();
    }

    public String limitText() {
        String unit = rule.kind() == Kind.RATIO ? "×" : " " + rule.unit();
        String text = rule.direction().symbol() + " " + format(rule.limit()) + unit;
        if (rule.warn() != rule.limit()) {
            text += " (warn " + (rule.direction() == Limits.Direction.AT_MOST ? ">" : "<") + " " + format(rule.warn())
                    + unit + ")";
        }
        return text;
    }

    static String format(double v) {
        double a = Math.abs(v);
        if (a == 0) {
            return "0";
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return trim(String.format(Locale.ROOT, "%.1f", v));
        }
        if (a >= 1) {
            return trim(String.format(Locale.ROOT, "%.3f", v));
        }
        return String.format(Locale.ROOT, "%.3g", v);
    }

    private static String trim(String decimal) {
        return decimal.contains(".") ? decimal.replaceAll("0+$", "").replaceAll("\\.$", "") : decimal;
    }
}
