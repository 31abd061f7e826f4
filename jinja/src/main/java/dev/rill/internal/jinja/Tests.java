package dev.rill.internal.jinja;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** jinja2's tests ({@code x is defined}, {@code x is string}, ...). */
final class Tests {
    static final Set<String> NAMES = Set.of("defined", "undefined", "none", "boolean", "false", "true", "integer",
            "float", "number", "string", "mapping", "iterable", "sequence", "callable", "odd", "even", "divisibleby",
            "eq", "equalto", "==", "ne", "!=", "lt", "lessthan", "<", "le", "<=", "gt", "greaterthan", ">", "ge", ">=",
            "in", "sameas", "lower", "upper", "escaped", "filter", "test");

    private Tests() {
    }

    static boolean test(Interpreter interpreter, String name, Object original, List<Object> args) {
        if (name.equals("escaped")) {
            return original instanceof Py.Markup;
        }
        Object value = Py.plain(original);
        return switch (name) {
            case "defined" -> !(value instanceof Py.Undefined);
            case "undefined" -> value instanceof Py.Undefined;
            case "none" -> value == null;
            case "boolean" -> value instanceof Boolean;
            case "false" -> Boolean.FALSE.equals(value);
            case "true" -> Boolean.TRUE.equals(value);
            case "integer" -> value instanceof Long;
            case "float" -> value instanceof Double;
            case "number" -> Py.isNumber(value);
            case "string" -> value instanceof String;
            case "mapping" -> value instanceof Map;
            case "iterable" -> value instanceof String || value instanceof List || value instanceof Map
                    || value instanceof Py.Generator || value instanceof Py.Undefined;
            case "sequence" -> value instanceof String || value instanceof List || value instanceof Map
                    || value instanceof Py.Undefined;
            case "callable" -> value instanceof Py.Callable;
            case "odd" -> integer(value, name) % 2 != 0;
            case "even" -> integer(value, name) % 2 == 0;
            case "divisibleby" -> integer(value, name) % integer(arg(args, name), name) == 0;
            case "eq", "equalto", "==" -> Py.eq(value, arg(args, name));
            case "ne", "!=" -> !Py.eq(value, arg(args, name));
            case "lt", "lessthan", "<" -> Py.compare(value, arg(args, name), "<") < 0;
            case "le", "<=" -> Py.compare(value, arg(args, name), "<=") <= 0;
            case "gt", "greaterthan", ">" -> Py.compare(value, arg(args, name), ">") > 0;
            case "ge", ">=" -> Py.compare(value, arg(args, name), ">=") >= 0;
            case "in" -> Py.contains(arg(args, name), value);
            case "sameas" -> sameAs(value, arg(args, name));
            case "lower" -> value instanceof String s && s.equals(Methods.lower(s)) && !s.equals(Methods.upper(s));
            case "upper" -> value instanceof String s && s.equals(Methods.upper(s)) && !s.equals(Methods.lower(s));
            case "filter" -> value instanceof String s && Filters.NAMES.contains(s);
            case "test" -> value instanceof String s && NAMES.contains(s);
            default -> throw Py.error("No test named '" + name + "'.");
        };
    }

    private static boolean sameAs(Object a, Object b) {
        if (a == null || b == null || a instanceof Boolean || b instanceof Boolean) {
            return a == b || (a != null && a.equals(b) && a instanceof Boolean);
        }
        return a == b;
    }

    private static Object arg(List<Object> args, String name) {
        if (args.isEmpty()) {
            throw Py.error("test '" + name + "' needs an argument");
        }
        return args.getFirst();
    }

    private static long integer(Object value, String name) {
        if (value instanceof Py.Undefined u) {
            throw u.fail();
        }
        if (!Py.isNumber(value)) {
            throw Py.error("test '" + name + "' needs a number, got " + Py.typeName(value));
        }
        return Py.asLong(value);
    }
}
