package dev.rill.internal.jinja;

import static dev.rill.internal.jinja.Methods.arg;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * jinja2's built-in filters, with Hugging Face's {@code tojson} (Python's json.dumps with
 * {@code ensure_ascii=False}, so {@code {"a": 1, "b": [1, 2]}}).
 */
final class Filters {
    static final Set<String> NAMES = Set.of("tojson", "length", "count", "trim", "string", "default", "d", "join",
            "upper", "lower", "capitalize", "title", "items", "dictsort", "list", "safe", "replace", "selectattr",
            "rejectattr", "select", "reject", "map", "indent", "int", "float", "first", "last", "unique", "min", "max",
            "sort", "abs", "round", "sum", "reverse", "wordcount", "center", "escape", "e", "format", "attr", "batch",
            "pprint", "truncate");

    private final Interpreter interpreter;

    Filters(Interpreter interpreter) {
        this.interpreter = interpreter;
    }

    Object apply(String name, Object value, List<Object> args, Map<String, Object> kwargs) {
        return switch (name) {
            case "tojson" -> tojson(value, args, kwargs);
            case "length", "count" -> (long) Py.length(value);
            case "trim" -> {
                Object chars = arg(args, kwargs, 0, "chars", null, false);
                yield Methods.strip(Py.str(value), chars == null ? null : Py.str(chars), true, true);
            }
            case "string" -> Py.str(value);
            case "default", "d" -> {
                Object fallback = arg(args, kwargs, 0, "default_value", "", false);
                boolean useFalsy = Py.truthy(arg(args, kwargs, 1, "boolean", false, false));
                yield value instanceof Py.Undefined || (useFalsy && !Py.truthy(value)) ? fallback : value;
            }
            case "join" -> join(value, args, kwargs);
            case "upper" -> Methods.upper(Py.str(value));
            case "lower" -> Methods.lower(Py.str(value));
            case "capitalize" -> {
                String s = Py.str(value);
                yield s.isEmpty() ? s : Methods.upper(s.substring(0, s.offsetByCodePoints(0, 1)))
                        + Methods.lower(s.substring(s.offsetByCodePoints(0, 1)));
            }
            case "title" -> Methods.title(Py.str(value));
            case "items" -> {
                if (value instanceof Py.Undefined) {
                    yield new Py.Generator(List.of().iterator());
                }
                if (!(value instanceof Map<?, ?> map)) {
                    throw Py.error("Can only get item pairs from a mapping.");
                }
                List<Object> items = new ArrayList<>();
                map.forEach((k, v) -> items.add(new Py.Tuple(k, v)));
                yield new Py.Generator(items.iterator());
            }
            case "dictsort" -> dictsort(value, args, kwargs);
            case "list" -> new ArrayList<>(Py.iterate(value));
            case "safe" -> value instanceof Py.Markup ? value : new Py.Markup(Py.str(value));
            case "escape", "e" -> value instanceof Py.Markup ? value : new Py.Markup(Py.escape(Py.str(value)));
            case "replace" -> {
                String old = Py.str(arg(args, kwargs, 0, "old", null, true));
                String replacement = Py.str(arg(args, kwargs, 1, "new", null, true));
                Object count = arg(args, kwargs, 2, "count", null, false);
                yield Methods.replace(Py.str(value), old, replacement, count == null ? -1 : Py.asLong(count));
            }
            case "select", "reject" -> select(value, args, kwargs, name.equals("select"), false);
            case "selectattr", "rejectattr" -> select(value, args, kwargs, name.equals("selectattr"), true);
            case "map" -> map(value, args, kwargs);
            case "indent" -> indent(Py.str(value), args, kwargs);
            case "int" -> toInt(value, args, kwargs);
            case "float" -> toFloat(value, args, kwargs);
            case "first" -> {
                List<Object> items = Py.iterate(value);
                yield items.isEmpty() ? new Py.Undefined("No first item, sequence was empty.") : items.getFirst();
            }
            case "last" -> {
                if (value instanceof Py.Generator) {
                    throw Py.error("'generator' object is not reversible");
                }
                List<Object> items = Py.iterate(value);
                yield items.isEmpty() ? new Py.Undefined("No last item, sequence was empty.") : items.getLast();
            }
            case "unique" -> unique(value, args, kwargs);
            case "min", "max" -> minMax(value, args, kwargs, name.equals("min"));
            case "sort" -> sort(value, args, kwargs);
            case "abs" -> {
                if (!Py.isNumber(value)) {
                    throw Py.error("bad operand type for abs(): '" + Py.typeName(value) + "'");
                }
                yield value instanceof Double d ? (Object) Math.abs(d) : (Object) Math.abs(Py.asLong(value));
            }
            case "round" -> round(value, args, kwargs);
            case "sum" -> sum(value, args, kwargs);
            case "reverse" -> {
                if (value instanceof String s) {
                    yield new StringBuilder(s).reverse().toString();
                }
                List<Object> items = new ArrayList<>(Py.iterate(value));
                java.util.Collections.reverse(items);
                yield new Py.Generator(items.iterator());
            }
            case "wordcount" -> (long) Methods.split(Py.str(value), null, -1).size();
            case "center" -> {
                long width = Py.asLong(arg(args, kwargs, 0, "width", 80L, false));
                yield Methods.bind(Py.str(value), "center").call(List.of(width), Map.of());
            }
            case "format" -> Formatting.percent(Py.str(value), kwargs.isEmpty() ? new Py.Tuple(args) : kwargs);
            case "attr" -> interpreter.getAttribute(value, Py.str(arg(args, kwargs, 0, "name", null, true)));
            case "batch" -> batch(value, args, kwargs);
            case "pprint" -> Py.repr(value);
            case "truncate" -> truncate(Py.str(value), args, kwargs);
            default -> throw Py.error("No filter named '" + name + "'.");
        };
    }

    private static Object tojson(Object value, List<Object> args, Map<String, Object> kwargs) {
        boolean ensureAscii = Py.truthy(arg(args, kwargs, 0, "ensure_ascii", false, false));
        Object indent = arg(args, kwargs, 1, "indent", null, false);
        Object separators = arg(args, kwargs, 2, "separators", null, false);
        boolean sortKeys = Py.truthy(arg(args, kwargs, 3, "sort_keys", false, false));
        String indentText = indent == null ? null
                : indent instanceof String s ? s : " ".repeat((int) Math.max(0, Py.asLong(indent)));
        String itemSeparator = indentText == null ? ", " : ",";
        String keySeparator = ": ";
        if (separators != null) {
            List<Object> pair = Py.iterate(separators);
            if (pair.size() != 2) {
                throw Py.error("separators must be a pair of strings");
            }
            itemSeparator = Py.str(pair.get(0));
            keySeparator = Py.str(pair.get(1));
        }
        return Py.json(value, indentText, itemSeparator, keySeparator, sortKeys, ensureAscii);
    }

    private Object join(Object value, List<Object> args, Map<String, Object> kwargs) {
        String separator = Py.str(arg(args, kwargs, 0, "d", "", false));
        Object attribute = arg(args, kwargs, 1, "attribute", null, false);
        StringBuilder out = new StringBuilder();
        boolean first = true;
        for (Object item : Py.iterate(value)) {
            if (!first) {
                out.append(separator);
            }
            first = false;
            out.append(Py.str(attribute == null ? item : attribute(item, attribute)));
        }
        return out.toString();
    }

    /** jinja2's attribute paths: {@code "a.b"} and {@code "a.0"} look up one part after the other. */
    private Object attribute(Object item, Object attribute) {
        if (!(attribute instanceof String path)) {
            return interpreter.getItem(item, attribute);
        }
        Object value = item;
        for (String part : path.split("\\.")) {
            Object key = part;
            if (!part.isEmpty() && part.chars().allMatch(Character::isDigit)) {
                try {
                    key = Long.parseLong(part);
                } catch (NumberFormatException tooLarge) {
                    key = part; // no list is that long: looked up as a name, it is undefined
                }
            }
            value = interpreter.getItem(value, key);
        }
        return value;
    }

    private Object dictsort(Object value, List<Object> args, Map<String, Object> kwargs) {
        if (!(value instanceof Map<?, ?> map)) {
            throw Py.error("You can only sort by either \"key\" or \"value\"");
        }
        boolean caseSensitive = Py.truthy(arg(args, kwargs, 0, "case_sensitive", false, false));
        String by = Py.str(arg(args, kwargs, 1, "by", "key", false));
        boolean reverse = Py.truthy(arg(args, kwargs, 2, "reverse", false, false));
        int position = switch (by) {
            case "key" -> 0;
            case "value" -> 1;
            default -> throw Py.error("You can only sort by either \"key\" or \"value\"");
        };
        List<Object> items = new ArrayList<>();
        map.forEach((k, v) -> items.add(new Py.Tuple(k, v)));
        Comparator<Object> order = (a, b) -> Py.compare(sortKey(((List<?>) a).get(position), caseSensitive),
                sortKey(((List<?>) b).get(position), caseSensitive), "<");
        items.sort(reverse ? order.reversed() : order);
        return items;
    }

    private static Object sortKey(Object value, boolean caseSensitive) {
        return !caseSensitive && value instanceof String s ? Methods.lower(s) : value;
    }

    private Object select(Object value, List<Object> args, Map<String, Object> kwargs, boolean keep,
                          boolean byAttribute) {
        if (!Py.truthy(value)) {
            return new Py.Generator(List.of().iterator());
        }
        List<Object> items = Py.iterate(value);
        int next = 0;
        Object attribute = null;
        if (byAttribute) {
            if (args.isEmpty()) {
                throw Py.error("Missing parameter for attribute name");
            }
            attribute = args.get(next++);
        }
        String test = next < args.size() ? Py.str(args.get(next++)) : null;
        List<Object> testArgs = args.subList(Math.min(next, args.size()), args.size());
        List<Object> kept = new ArrayList<>();
        for (Object item : items) {
            Object subject = byAttribute ? attribute(item, attribute) : item;
            boolean passes = test == null ? Py.truthy(subject) : Tests.test(interpreter, test, subject, testArgs);
            if (passes == keep) {
                kept.add(item);
            }
        }
        return new Py.Generator(kept.iterator());
    }

    private Object map(Object value, List<Object> args, Map<String, Object> kwargs) {
        if (!Py.truthy(value)) {
            return new Py.Generator(List.of().iterator());
        }
        List<Object> items = Py.iterate(value);
        List<Object> mapped = new ArrayList<>(items.size());
        if (args.isEmpty() && kwargs.containsKey("attribute")) {
            Object attribute = kwargs.get("attribute");
            boolean hasDefault = kwargs.containsKey("default");
            for (Object item : items) {
                Object v = attribute(item, attribute);
                mapped.add(hasDefault && v instanceof Py.Undefined ? kwargs.get("default") : v);
            }
        } else {
            if (args.isEmpty()) {
                throw Py.error("map requires a filter argument");
            }
            String filter = Py.str(args.getFirst());
            List<Object> rest = args.subList(1, args.size());
            for (Object item : items) {
                mapped.add(interpreter.filter(filter, item, rest, kwargs));
            }
        }
        return new Py.Generator(mapped.iterator());
    }

    private static String indent(String s, List<Object> args, Map<String, Object> kwargs) {
        Object width = arg(args, kwargs, 0, "width", 4L, false);
        boolean first = Py.truthy(arg(args, kwargs, 1, "first", false, false));
        boolean blank = Py.truthy(arg(args, kwargs, 2, "blank", false, false));
        String indention = width instanceof String w ? w : " ".repeat((int) Math.max(0, Py.asLong(width)));
        List<Object> lines = Methods.bind(s + "\n", "splitlines").call(List.of(), Map.of()) instanceof List<?> l
                ? new ArrayList<>(l) : new ArrayList<>();
        StringBuilder out = new StringBuilder();
        if (blank) {
            for (int i = 0; i < lines.size(); i++) {
                if (i > 0) {
                    out.append('\n').append(indention);
                }
                out.append((String) lines.get(i));
            }
        } else {
            out.append(lines.isEmpty() ? "" : (String) lines.getFirst());
            for (int i = 1; i < lines.size(); i++) {
                String line = (String) lines.get(i);
                out.append('\n').append(line.isEmpty() ? line : indention + line);
            }
        }
        return first ? indention + out : out.toString();
    }

    private static Object toInt(Object value, List<Object> args, Map<String, Object> kwargs) {
        Object fallback = arg(args, kwargs, 0, "default", 0L, false);
        long base = Py.asLong(arg(args, kwargs, 1, "base", 10L, false));
        if (value instanceof Py.Undefined u) {
            throw u.fail();
        }
        if (Py.isNumber(value)) {
            return Py.asLong(value);
        }
        if (value instanceof String s) {
            String t = s.strip().replace("_", "");
            try {
                return Long.parseLong(t.startsWith("+") ? t.substring(1) : t, (int) base);
            } catch (NumberFormatException e) {
                try {
                    return (long) Double.parseDouble(t);
                } catch (NumberFormatException e2) {
                    return fallback;
                }
            }
        }
        return fallback;
    }

    private static Object toFloat(Object value, List<Object> args, Map<String, Object> kwargs) {
        Object fallback = arg(args, kwargs, 0, "default", 0.0, false);
        if (value instanceof Py.Undefined u) {
            throw u.fail();
        }
        if (Py.isNumber(value)) {
            return Py.asDouble(value);
        }
        if (value instanceof String s) {
            try {
                return Double.parseDouble(s.strip());
            } catch (NumberFormatException e) {
                return fallback;
            }
        }
        return fallback;
    }

    private Object unique(Object value, List<Object> args, Map<String, Object> kwargs) {
        boolean caseSensitive = Py.truthy(arg(args, kwargs, 0, "case_sensitive", false, false));
        Object attribute = arg(args, kwargs, 1, "attribute", null, false);
        List<Object> seen = new ArrayList<>();
        List<Object> out = new ArrayList<>();
        for (Object item : Py.iterate(value)) {
            Object key = sortKey(attribute == null ? item : attribute(item, attribute), caseSensitive);
            if (seen.stream().noneMatch(s -> Py.eq(s, key))) {
                seen.add(key);
                out.add(item);
            }
        }
        return new Py.Generator(out.iterator());
    }

    private Object minMax(Object value, List<Object> args, Map<String, Object> kwargs, boolean min) {
        boolean caseSensitive = Py.truthy(arg(args, kwargs, 0, "case_sensitive", false, false));
        Object attribute = arg(args, kwargs, 1, "attribute", null, false);
        Object best = null;
        Object bestKey = null;
        boolean any = false;
        for (Object item : Py.iterate(value)) {
            Object key = sortKey(attribute == null ? item : attribute(item, attribute), caseSensitive);
            if (!any || (min ? Py.compare(key, bestKey, "<") < 0 : Py.compare(key, bestKey, ">") > 0)) {
                best = item;
                bestKey = key;
                any = true;
            }
        }
        return any ? best : new Py.Undefined("No aggregated item, sequence was empty.");
    }

    private Object sort(Object value, List<Object> args, Map<String, Object> kwargs) {
        boolean reverse = Py.truthy(arg(args, kwargs, 0, "reverse", false, false));
        boolean caseSensitive = Py.truthy(arg(args, kwargs, 1, "case_sensitive", false, false));
        Object attribute = arg(args, kwargs, 2, "attribute", null, false);
        List<Object> items = new ArrayList<>(Py.iterate(value));
        Comparator<Object> order = (a, b) -> Py.compare(
                sortKey(attribute == null ? a : attribute(a, attribute), caseSensitive),
                sortKey(attribute == null ? b : attribute(b, attribute), caseSensitive), "<");
        items.sort(reverse ? order.reversed() : order);
        return items;
    }

    private static Object round(Object value, List<Object> args, Map<String, Object> kwargs) {
        int precision = (int) Py.asLong(arg(args, kwargs, 0, "precision", 0L, false));
        String method = Py.str(arg(args, kwargs, 1, "method", "common", false));
        double d = Py.asDouble(value);
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return d;
        }
        RoundingMode mode = switch (method) {
            case "common" -> RoundingMode.HALF_EVEN;
            case "ceil" -> RoundingMode.CEILING;
            case "floor" -> RoundingMode.FLOOR;
            default -> throw Py.error("method must be common, ceil or floor");
        };
        return new BigDecimal(d).setScale(precision, mode).doubleValue();
    }

    private Object sum(Object value, List<Object> args, Map<String, Object> kwargs) {
        Object attribute = arg(args, kwargs, 0, "attribute", null, false);
        Object total = arg(args, kwargs, 1, "start", 0L, false);
        for (Object item : Py.iterate(value)) {
            total = Py.add(total, attribute == null ? item : attribute(item, attribute));
        }
        return total;
    }

    private static Object batch(Object value, List<Object> args, Map<String, Object> kwargs) {
        int count = (int) Py.asLong(arg(args, kwargs, 0, "linecount", null, true));
        boolean fill = args.size() > 1 || kwargs.containsKey("fill_with");
        Object filler = arg(args, kwargs, 1, "fill_with", null, false);
        List<Object> batches = new ArrayList<>();
        List<Object> current = new ArrayList<>();
        for (Object item : Py.iterate(value)) {
            current.add(item);
            if (current.size() == count) {
                batches.add(current);
                current = new ArrayList<>();
            }
        }
        if (!current.isEmpty()) {
            while (fill && current.size() < count) {
                current.add(filler);
            }
            batches.add(current);
        }
        return new Py.Generator(batches.iterator());
    }

    private static String truncate(String s, List<Object> args, Map<String, Object> kwargs) {
        int length = (int) Py.asLong(arg(args, kwargs, 0, "length", 255L, false));
        boolean killWords = Py.truthy(arg(args, kwargs, 1, "killwords", false, false));
        String end = Py.str(arg(args, kwargs, 2, "end", "...", false));
        int leeway = (int) Py.asLong(arg(args, kwargs, 3, "leeway", 5L, false));
        if (s.length() <= length + leeway) {
            return s;
        }
        if (killWords) {
            return s.substring(0, Math.max(0, length - end.length())) + end;
        }
        String cut = s.substring(0, Math.max(0, length - end.length()));
        int space = cut.lastIndexOf(' ');
        return (space >= 0 ? cut.substring(0, space) : cut) + end;
    }

    static Map<Object, Object> dict(Map<String, Object> kwargs) {
        return new LinkedHashMap<>(kwargs);
    }
}
