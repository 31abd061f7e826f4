package dev.rill.internal.jinja;

import java.math.BigDecimal;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Python's semantics for template values, which is what templates are written against.
 *
 * <p>Values: {@code null} is None, {@link Boolean}, {@link Long} (int), {@link Double} (float), {@link String},
 * {@link List} (list; a {@link Tuple} is a tuple), {@link Map} (dict, insertion-ordered), {@link Undefined},
 * {@link Namespace}, {@link Generator} (what jinja2's map, select and friends return) and {@link Callable}.
 */
final class Py {
    private Py() {
    }

    /** A failed operation, as Python would raise it (TypeError, UndefinedError, ...). */
    static JinjaException error(String message) {
        return new JinjaException(message, 0);
    }

    /** jinja2's Undefined: prints as nothing, is false, iterates as empty, and fails when used any other way. */
    static final class Undefined {
        final String hint;

        Undefined(String hint) {
            this.hint = hint;
        }

        JinjaException fail() {
            return error(hint);
        }
    }

    /**
     * jinja2's Markup, what {@code |safe} and {@code |escape} return: a string that HTML-escapes plain strings
     * added to it with {@code +} (templates rely on it without meaning to, so the output must too).
     */
    record Markup(String text) {
        @Override
        public String toString() {
            return text;
        }
    }

    /** The string behind a Markup, or the value itself. */
    static Object plain(Object o) {
        return o instanceof Markup m ? m.text() : o;
    }

    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&#34;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** A tuple: an immutable list that prints and compares as a tuple. */
    static final class Tuple extends AbstractList<Object> {
        private final Object[] items;

        Tuple(Object... items) {
            this.items = items;
        }

        Tuple(List<?> items) {
            this.items = items.toArray();
        }

        @Override
        public Object get(int index) {
            return items[index];
        }

        @Override
        public int size() {
            return items.length;
        }
    }

    /** jinja2's namespace(): attributes that {@code {% set ns.x = ... %}} may change from inside loops. */
    static final class Namespace {
        final Map<String, Object> attributes = new LinkedHashMap<>();
    }

    /** A one-shot iterator, as Python's generators are: a second iteration sees nothing. */
    static final class Generator implements Iterator<Object> {
        private final Iterator<?> source;

        Generator(Iterator<?> source) {
            this.source = source;
        }

        @Override
        public boolean hasNext() {
            return source.hasNext();
        }

        @Override
        public Object next() {
            if (!source.hasNext()) {
                throw new NoSuchElementException();
            }
            return source.next();
        }
    }

    /** A function, macro or bound method a template can call. */
    interface Callable {
        Object call(List<Object> args, Map<String, Object> kwargs);
    }

    static boolean isNumber(Object o) {
        return o instanceof Long || o instanceof Double || o instanceof Boolean;
    }

    static boolean isIntegral(Object o) {
        return o instanceof Long || o instanceof Boolean;
    }

    static long asLong(Object o) {
        return o instanceof Boolean b ? (b ? 1 : 0) : o instanceof Double d ? d.longValue() : (Long) o;
    }

    static double asDouble(Object o) {
        return o instanceof Boolean b ? (b ? 1 : 0) : ((Number) o).doubleValue();
    }

    static String typeName(Object o) {
        if (o == null) {
            return "NoneType";
        }
        return switch (o) {
            case Boolean b -> "bool";
            case Long l -> "int";
            case Double d -> "float";
            case String s -> "str";
            case Markup m -> "Markup";
            case Tuple t -> "tuple";
            case List<?> l -> "list";
            case Map<?, ?> m -> "dict";
            case Undefined u -> "Undefined";
            case Namespace n -> "Namespace";
            case Generator g -> "generator";
            case Macro m -> "Macro";
            case Callable c -> "function";
            default -> o.getClass().getSimpleName();
        };
    }

    static boolean truthy(Object o) {
        if (o == null) {
            return false;
        }
        return switch (o) {
            case Boolean b -> b;
            case Long l -> l != 0;
            case Double d -> d != 0.0;
            case String s -> !s.isEmpty();
            case Markup m -> !m.text().isEmpty();
            case List<?> l -> !l.isEmpty();
            case Map<?, ?> m -> !m.isEmpty();
            case Undefined u -> false;
            default -> true;
        };
    }

    /** Python's str(). */
    static String str(Object o) {
        if (o instanceof String s) {
            return s;
        }
        if (o instanceof Markup m) {
            return m.text();
        }
        if (o instanceof Undefined) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        repr(o, out, false);
        return out.toString();
    }

    /** Python's repr(). */
    static String repr(Object o) {
        StringBuilder out = new StringBuilder();
        repr(o, out, true);
        return out.toString();
    }

    private static void repr(Object o, StringBuilder out, boolean quoteStrings) {
        switch (o) {
            case null -> out.append("None");
            case Boolean b -> out.append(b ? "True" : "False");
            case Long l -> out.append(l);
            case Double d -> out.append(floatRepr(d));
            case String s -> {
                if (quoteStrings) {
                    stringRepr(s, out);
                } else {
                    out.append(s);
                }
            }
            case Tuple t -> {
                out.append('(');
                for (int i = 0; i < t.size(); i++) {
                    if (i > 0) {
                        out.append(", ");
                    }
                    repr(t.get(i), out, true);
                }
                out.append(t.size() == 1 ? ",)" : ")");
            }
            case List<?> l -> {
                out.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) {
                        out.append(", ");
                    }
                    repr(l.get(i), out, true);
                }
                out.append(']');
            }
            case Map<?, ?> m -> {
                out.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!first) {
                        out.append(", ");
                    }
                    first = false;
                    repr(e.getKey(), out, true);
                    out.append(": ");
                    repr(e.getValue(), out, true);
                }
                out.append('}');
            }
            case Undefined u -> out.append(quoteStrings ? "Undefined" : "");
            case Markup m -> {
                if (quoteStrings) {
                    out.append("Markup(");
                    stringRepr(m.text(), out);
                    out.append(')');
                } else {
                    out.append(m.text());
                }
            }
            case Namespace n -> {
                out.append("<Namespace ");
                repr(n.attributes, out, true);
                out.append('>');
            }
            case Macro m -> out.append("<Macro '").append(m.name()).append("'>");
            case Generator g -> out.append("<generator object>");
            default -> out.append(o);
        }
    }

    private static void stringRepr(String s, StringBuilder out) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        out.append(quote);
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == quote || cp == '\\') {
                out.append('\\').appendCodePoint(cp);
            } else if (cp == '\n') {
                out.append("\\n");
            } else if (cp == '\r') {
                out.append("\\r");
            } else if (cp == '\t') {
                out.append("\\t");
            } else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && !printable(cp))) {
                if (cp <= 0xff) {
                    out.append(String.format("\\x%02x", cp));
                } else if (cp <= 0xffff) {
                    out.append(String.format("\\u%04x", cp));
                } else {
                    out.append(String.format("\\U%08x", cp));
                }
            } else {
                out.appendCodePoint(cp);
            }
        }
        out.append(quote);
    }

    private static boolean printable(int cp) {
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                 Character.PRIVATE_USE, Character.UNASSIGNED, Character.SURROGATE -> false;
            case Character.SPACE_SEPARATOR -> cp == ' ';
            default -> true;
        };
    }

    /** Python's repr of a float: the shortest digits that read back, in fixed notation from 1e-4 to below 1e16. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal exact = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = exact.unscaledValue().toString();
        int decpt = digits.length() - exact.scale();
        StringBuilder out = new StringBuilder(d < 0 ? "-" : "");
        if (decpt > -4 && decpt <= 16) {
            if (decpt <= 0) {
                out.append("0.").append("0".repeat(-decpt)).append(digits);
            } else if (decpt >= digits.length()) {
                out.append(digits).append("0".repeat(decpt - digits.length())).append(".0");
            } else {
                out.append(digits, 0, decpt).append('.').append(digits, decpt, digits.length());
            }
        } else {
            out.append(digits.charAt(0));
            if (digits.length() > 1) {
                out.append('.').append(digits, 1, digits.length());
            }
            int exponent = decpt - 1;
            out.append('e').append(exponent < 0 ? '-' : '+');
            String e = Integer.toString(Math.abs(exponent));
            out.append(e.length() < 2 ? "0" + e : e);
        }
        return out.toString();
    }

    /** Python's ==. */
    static boolean eq(Object first, Object second) {
        Object a = plain(first);
        Object b = plain(second);
        if (a == b) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        if (isNumber(a) && isNumber(b)) {
            if (isIntegral(a) && isIntegral(b)) {
                return asLong(a) == asLong(b);
            }
            return asDouble(a) == asDouble(b);
        }
        if (a instanceof Undefined || b instanceof Undefined) {
            return a instanceof Undefined && b instanceof Undefined;
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if ((a instanceof Tuple) != (b instanceof Tuple) || x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!eq(x.get(i), y.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (Map.Entry<?, ?> e : x.entrySet()) {
                if (!y.containsKey(e.getKey()) || !eq(e.getValue(), y.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    /** Python's ordering: numbers, strings, and lists or tuples of those. */
    static int compare(Object first, Object second, String op) {
        Object a = plain(first);
        Object b = plain(second);
        if (isNumber(a) && isNumber(b)) {
            if (isIntegral(a) && isIntegral(b)) {
                return Long.compare(asLong(a), asLong(b));
            }
            return Double.compare(asDouble(a), asDouble(b));
        }
        if (a instanceof String x && b instanceof String y) {
            return compareCodePoints(x, y);
        }
        if (a instanceof List<?> x && b instanceof List<?> y && (a instanceof Tuple) == (b instanceof Tuple)) {
            for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
                if (!eq(x.get(i), y.get(i))) {
                    return compare(x.get(i), y.get(i), op);
                }
            }
            return Integer.compare(x.size(), y.size());
        }
        if (a instanceof Undefined u) {
            throw u.fail();
        }
        if (b instanceof Undefined u) {
            throw u.fail();
        }
        throw error("'" + op + "' not supported between instances of '" + typeName(a) + "' and '" + typeName(b) + "'");
    }

    private static int compareCodePoints(String x, String y) {
        int i = 0;
        int j = 0;
        while (i < x.length() && j < y.length()) {
            int a = x.codePointAt(i);
            int b = y.codePointAt(j);
            if (a != b) {
                return Integer.compare(a, b);
            }
            i += Character.charCount(a);
            j += Character.charCount(b);
        }
        return Boolean.compare(i < x.length(), j < y.length());
    }

    static Object add(Object first, Object second) {
        checkDefined(first, second);
        if (first instanceof Markup || second instanceof Markup) {
            if ((first instanceof String || first instanceof Markup)
                    && (second instanceof String || second instanceof Markup)) {
                return new Markup(markupText(first) + markupText(second));
            }
        }
        Object a = plain(first);
        Object b = plain(second);
        if (isNumber(a) && isNumber(b)) {
            if (isIntegral(a) && isIntegral(b)) {
                return asLong(a) + asLong(b);
            }
            return asDouble(a) + asDouble(b);
        }
        if (a instanceof String x) {
            if (b instanceof String y) {
                return x + y;
            }
            throw error("can only concatenate str (not \"" + typeName(b) + "\") to str");
        }
        if (a instanceof List<?> x && b instanceof List<?> y && (a instanceof Tuple) == (b instanceof Tuple)) {
            List<Object> joined = new ArrayList<>(x);
            joined.addAll(y);
            return a instanceof Tuple ? new Tuple(joined) : joined;
        }
        if (a instanceof List<?> && !(a instanceof Tuple)) {
            throw error("can only concatenate list (not \"" + typeName(b) + "\") to list");
        }
        throw unsupported("+", a, b);
    }

    private static String markupText(Object o) {
        return o instanceof Markup m ? m.text() : escape((String) o);
    }

    static Object arithmetic(String op, Object first, Object second) {
        checkDefined(first, second);
        Object a = plain(first);
        Object b = plain(second);
        if (op.equals("*")) {
            if (a instanceof String || a instanceof List) {
                return repeat(a, b);
            }
            if (b instanceof String || b instanceof List) {
                return repeat(b, a);
            }
        }
        if (op.equals("%") && a instanceof String format) {
            return Formatting.percent(format, b);
        }
        if (!isNumber(a) || !isNumber(b)) {
            throw unsupported(op, a, b);
        }
        boolean integral = isIntegral(a) && isIntegral(b);
        switch (op) {
            case "-":
                return integral ? (Object) (asLong(a) - asLong(b)) : (Object) (asDouble(a) - asDouble(b));
            case "*":
                return integral ? (Object) (asLong(a) * asLong(b)) : (Object) (asDouble(a) * asDouble(b));
            case "/":
                if (asDouble(b) == 0) {
                    throw error("division by zero");
                }
                return asDouble(a) / asDouble(b);
            case "//":
                if (asDouble(b) == 0) {
                    throw error("integer division or modulo by zero");
                }
                return integral ? (Object) Math.floorDiv(asLong(a), asLong(b))
                        : (Object) Math.floor(asDouble(a) / asDouble(b));
            case "%":
                if (asDouble(b) == 0) {
                    throw error("integer division or modulo by zero");
                }
                if (integral) {
                    return Math.floorMod(asLong(a), asLong(b));
                }
                double x = asDouble(a);
                double y = asDouble(b);
                double r = x % y;
                return r != 0 && (r < 0) != (y < 0) ? r + y : r;
            case "**":
                if (integral && asLong(b) >= 0) {
                    long result = 1;
                    long base = asLong(a);
                    for (long i = asLong(b); i > 0; i--) {
                        result = Math.multiplyExact(result, base);
                    }
                    return result;
                }
                return Math.pow(asDouble(a), asDouble(b));
            default:
                throw error("unknown operator " + op);
        }
    }

    private static Object repeat(Object sequence, Object times) {
        if (!isIntegral(times)) {
            throw error("can't multiply sequence by non-int of type '" + typeName(times) + "'");
        }
        long n = Math.max(0, asLong(times));
        if (sequence instanceof String s) {
            if (s.length() * n > Interpreter.MAX_OUTPUT) {
                throw error("string repetition too large");
            }
            return s.repeat((int) n);
        }
        List<?> list = (List<?>) sequence;
        if (list.size() * n > Interpreter.MAX_RANGE) {
            throw error("list repetition too large");
        }
        List<Object> out = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            out.addAll(list);
        }
        return sequence instanceof Tuple ? new Tuple(out) : out;
    }

    private static void checkDefined(Object a, Object b) {
        if (a instanceof Undefined u) {
            throw u.fail();
        }
        if (b instanceof Undefined u) {
            throw u.fail();
        }
    }

    private static JinjaException unsupported(String op, Object a, Object b) {
        return error("unsupported operand type(s) for " + op + ": '" + typeName(a) + "' and '" + typeName(b) + "'");
    }

    static Object negate(Object o) {
        if (o instanceof Undefined u) {
            throw u.fail();
        }
        if (o instanceof Double d) {
            return -d;
        }
        if (isIntegral(o)) {
            return -asLong(o);
        }
        throw error("bad operand type for unary -: '" + typeName(o) + "'");
    }

    /** Python's {@code item in container}. */
    static boolean contains(Object outer, Object element) {
        Object container = plain(outer);
        Object item = plain(element);
        switch (container) {
            case null -> throw error("argument of type 'NoneType' is not iterable");
            case String s -> {
                if (!(item instanceof String needle)) {
                    if (item instanceof Undefined u) {
                        throw u.fail();
                    }
                    throw error("'in <string>' requires string as left operand, not " + typeName(item));
                }
                return s.contains(needle);
            }
            case Map<?, ?> m -> {
                return m.containsKey(item instanceof Boolean || item instanceof Double ? normalizeKey(item) : item);
            }
            case List<?> l -> {
                for (Object o : l) {
                    if (eq(o, item)) {
                        return true;
                    }
                }
                return false;
            }
            case Undefined u -> {
                return false;
            }
            case Generator g -> {
                while (g.hasNext()) {
                    if (eq(g.next(), item)) {
                        return true;
                    }
                }
                return false;
            }
            default -> throw error("argument of type '" + typeName(container) + "' is not iterable");
        }
    }

    private static Object normalizeKey(Object key) {
        if (key instanceof Boolean b) {
            return b ? 1L : 0L;
        }
        if (key instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d)) {
            return (long) (double) d;
        }
        return key;
    }

    /** The items of an iteration, as Python's iter() gives them. */
    static List<Object> iterate(Object value) {
        Object o = plain(value);
        switch (o) {
            case null -> throw error("'NoneType' object is not iterable");
            case List<?> l -> {
                return Collections.unmodifiableList(l);
            }
            case Map<?, ?> m -> {
                return new ArrayList<>(m.keySet());
            }
            case String s -> {
                List<Object> chars = new ArrayList<>(s.length());
                s.codePoints().forEach(cp -> chars.add(new String(Character.toChars(cp))));
                return chars;
            }
            case Generator g -> {
                List<Object> rest = new ArrayList<>();
                g.forEachRemaining(rest::add);
                return rest;
            }
            case Undefined u -> {
                return List.of();
            }
            default -> throw error("'" + typeName(o) + "' object is not iterable");
        }
    }

    /** Python's len(). */
    static int length(Object value) {
        Object o = plain(value);
        return switch (o) {
            case String s -> s.codePointCount(0, s.length());
            case List<?> l -> l.size();
            case Map<?, ?> m -> m.size();
            case Undefined u -> 0;
            case null, default -> throw error("object of type '" + typeName(o) + "' has no len()");
        };
    }

    /** Serializes as Python's json.dumps does. */
    static String json(Object o, String indent, String itemSeparator, String keySeparator, boolean sortKeys,
                       boolean ensureAscii) {
        StringBuilder out = new StringBuilder();
        json(o, out, indent, itemSeparator, keySeparator, sortKeys, ensureAscii, 0);
        return out.toString();
    }

    private static void json(Object o, StringBuilder out, String indent, String itemSeparator, String keySeparator,
                             boolean sortKeys, boolean ensureAscii, int level) {
        switch (o) {
            case null -> out.append("null");
            case Boolean b -> out.append(b ? "true" : "false");
            case Long l -> out.append(l);
            case Double d -> out.append(Double.isNaN(d) ? "NaN"
                    : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity") : floatRepr(d));
            case String s -> jsonString(s, out, ensureAscii);
            case Markup m -> jsonString(m.text(), out, ensureAscii);
            case List<?> l -> {
                if (l.isEmpty()) {
                    out.append("[]");
                    return;
                }
                out.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) {
                        out.append(itemSeparator);
                    }
                    newline(out, indent, level + 1);
                    json(l.get(i), out, indent, itemSeparator, keySeparator, sortKeys, ensureAscii, level + 1);
                }
                newline(out, indent, level);
                out.append(']');
            }
            case Map<?, ?> m -> {
                if (m.isEmpty()) {
                    out.append("{}");
                    return;
                }
                List<Map.Entry<String, Object>> entries = new ArrayList<>();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    entries.add(Map.entry(jsonKey(e.getKey()), e.getValue() == null ? NULL : e.getValue()));
                }
                if (sortKeys) {
                    entries.sort((x, y) -> compareCodePoints(x.getKey(), y.getKey()));
                }
                out.append('{');
                boolean first = true;
                for (Map.Entry<String, Object> e : entries) {
                    if (!first) {
                        out.append(itemSeparator);
                    }
                    first = false;
                    newline(out, indent, level + 1);
                    jsonString(e.getKey(), out, ensureAscii);
                    out.append(keySeparator);
                    Object value = e.getValue() == NULL ? null : e.getValue();
                    json(value, out, indent, itemSeparator, keySeparator, sortKeys, ensureAscii, level + 1);
                }
                newline(out, indent, level);
                out.append('}');
            }
            default -> throw error("Object of type " + typeName(o) + " is not JSON serializable");
        }
    }

    private static final Object NULL = new Object();

    private static String jsonKey(Object key) {
        return switch (key) {
            case String s -> s;
            case null -> "null";
            case Boolean b -> b ? "true" : "false";
            case Long l -> l.toString();
            case Double d -> floatRepr(d);
            default -> throw error("keys must be str, int, float, bool or None, not " + typeName(key));
        };
    }

    private static void newline(StringBuilder out, String indent, int level) {
        if (indent != null) {
            out.append('\n');
            out.append(indent.repeat(level));
        }
    }

    private static void jsonString(String s, StringBuilder out, boolean ensureAscii) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
