package dev.rill.benches.gate;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The versioned limits file (benches/limits.json): which figures the gate derives from the results and where each
 * one's warning band and limit lie. See docs/benchmarks.md for the format.
 */
public record Limits(int version, String revision, List<Rule> rules) {
    /** The only format this gate reads. */
    public static final int FORMAT_VERSION = 1;

    /** What a side of a figure measures from its run. */
    public enum Measure {
        /** Median time per operation. */
        TIME,
        /** {@code work} units (tokens) per second at the median time. */
        RATE
    }

    /** How a figure is made from its two sides. */
    public enum Kind {
        /** {@code measure(numerator) / measure(denominator)}, a plain number. */
        RATIO,
        /** {@code (time(numerator) - time(denominator)) / steps}, in microseconds: an extra cost per step. */
        STEP_DIFFERENCE
    }

    /** Which way the limit bounds a figure. */
    public enum Direction {
        /** The figure must stay at or below the limit. */
        AT_MOST("≤"),
        /** The figure must stay at or above the limit. */
        AT_LEAST("≥");

        private final String symbol;

        Direction(String symbol) {
            this.symbol = symbol;
        }

        public String symbol() {
            return symbol;
        }
    }

    /** One side of a figure: a benchmark with some of its parameters fixed. */
    public record Side(String benchmark, Map<String, String> params, Measure measure, double work) {
        public String label() {
            return params.isEmpty() ? benchmark : benchmark + " " + params;
        }
    }

    /**
     * One figure and its bounds. A figure past {@code limit} fails; one past {@code warn} (between it and the
     * limit) warns.
     */
    public record Rule(String id, String title, Kind kind, Side numerator, Side denominator, double steps,
            Direction direction, double limit, double warn, String unit) {
        /** Whether {@code value} lies within the limit. */
        public boolean withinLimit(double value) {
            return direction == Direction.AT_MOST ? value <= limit : value >= limit;
        }

        /** Whether {@code value} lies within the warning threshold. */
        public boolean withinWarn(double value) {
            return direction == Direction.AT_MOST ? value <= warn : value >= warn;
        }
    }

    public static Limits read(Path file) throws GateInputException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (JacksonException e) {
            throw new GateInputException("limits file " + file + " is not JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new GateInputException("cannot read limits file " + file + ": " + e.getMessage(), e);
        }
        return parse(root, "limits file " + file);
    }

    static Limits parse(JsonNode root, String where) throws GateInputException {
        if (root == null || !root.isObject()) {
            throw new GateInputException(where + " is not a JSON object");
        }
        JsonNode version = root.get("version");
        if (version == null || !version.isInt()) {
            throw new GateInputException(where + ": no integer \"version\"");
        }
        if (version.asInt() != FORMAT_VERSION) {
            throw new GateInputException(where + ": version " + version.asInt() + ", this gate reads version "
                    + FORMAT_VERSION);
        }
        JsonNode revision = root.get("revision");
        JsonNode rules = root.get("rules");
        if (rules == null || !rules.isArray() || rules.isEmpty()) {
            throw new GateInputException(where + ": no \"rules\" array, or an empty one");
        }
        List<Rule> parsed = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < rules.size(); i++) {
            Rule rule = rule(rules.get(i), where + " rule " + i);
            if (!ids.add(rule.id())) {
                throw new GateInputException(where + ": two rules with id " + rule.id());
            }
            parsed.add(rule);
        }
        return new Limits(version.asInt(), revision == null ? "" : revision.asText(), List.copyOf(parsed));
    }

    private static Rule rule(JsonNode node, String where) throws GateInputException {
        if (node == null || !node.isObject()) {
            throw new GateInputException(where + " is not an object");
        }
        String id = text(node, "id", where);
        where = where + " (" + id + ")";
        String title = node.has("title") ? text(node, "title", where) : id;
        Kind kind = switch (node.has("kind") ? text(node, "kind", where) : "ratio") {
            case "ratio" -> Kind.RATIO;
            case "stepDifference" -> Kind.STEP_DIFFERENCE;
            default -> throw new GateInputException(where + ": kind is neither \"ratio\" nor \"stepDifference\"");
        };
        Direction direction = switch (text(node, "direction", where)) {
            case "<=", "max" -> Direction.AT_MOST;
            case ">=", "min" -> Direction.AT_LEAST;
            default -> throw new GateInputException(where + ": direction is neither \"<=\" nor \">=\"");
        };
        double limit = number(node, "limit", where);
        double warn = node.has("warn") ? number(node, "warn", where) : limit;
        if (direction == Direction.AT_MOST ? warn > limit : warn < limit) {
            throw new GateInputException(where + ": the warning threshold " + warn + " lies beyond the limit " + limit);
        }
        double steps = 1;
        if (kind == Kind.STEP_DIFFERENCE) {
            steps = number(node, "steps", where);
            if (!(steps > 0)) {
                throw new GateInputException(where + ": steps must be positive");
            }
        }
        String unit = node.has("unit") ? text(node, "unit", where) : (kind == Kind.RATIO ? "×" : "µs");
        return new Rule(id, title, kind, side(node.get("numerator"), where + " numerator", kind),
                side(node.get("denominator"), where + " denominator", kind), steps, direction, limit, warn, unit);
    }

    private static Side side(JsonNode node, String where, Kind kind) throws GateInputException {
        if (node == null || !node.isObject()) {
            throw new GateInputException(where + ": missing");
        }
        String benchmark = text(node, "benchmark", where);
        Map<String, String> params = new TreeMap<>();
        JsonNode p = node.get("params");
        if (p != null) {
            if (!p.isObject()) {
                throw new GateInputException(where + ": params is not an object");
            }
            for (var e : p.properties()) {
                if (!e.getValue().isValueNode()) {
                    throw new GateInputException(where + ": param " + e.getKey() + " is not a plain value");
                }
                params.put(e.getKey(), e.getValue().asText());
            }
        }
        Measure measure = switch (node.has("measure") ? text(node, "measure", where) : "time") {
            case "time" -> Measure.TIME;
            case "rate" -> Measure.RATE;
            default -> throw new GateInputException(where + ": measure is neither \"time\" nor \"rate\"");
        };
        if (kind == Kind.STEP_DIFFERENCE && measure != Measure.TIME) {
            throw new GateInputException(where + ": a stepDifference compares times");
        }
        double work = 1;
        if (measure == Measure.RATE) {
            work = number(node, "work", where);
            if (!(work > 0)) {
                throw new GateInputException(where + ": work must be positive");
            }
        }
        return new Side(benchmark, Collections.unmodifiableMap(params), measure, work);
    }

    private static String text(JsonNode node, String field, String where) throws GateInputException {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new GateInputException(where + ": missing or empty \"" + field + "\"");
        }
        return v.asText();
    }

    private static double number(JsonNode node, String field, String where) throws GateInputException {
        JsonNode v = node.get(field);
        if (v == null || !v.isNumber() || !Double.isFinite(v.asDouble())) {
            throw new GateInputException(where + ": missing or non-numeric \"" + field + "\"");
        }
        return v.asDouble();
    }
}
