package dev.rill.internal.jinja;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Clock;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Jinja template compiled once and rendered any number of times, from any thread, with the semantics of Python's
 * jinja2 as Hugging Face's {@code apply_chat_template} sets it up: an immutable sandbox, {@code trim_blocks} and
 * {@code lstrip_blocks}, loop controls, the {@code {% generation %}} block, {@code tojson} as
 * {@code json.dumps(ensure_ascii=False)}, and the globals {@code raise_exception(message)} and
 * {@code strftime_now(format)} beside jinja2's {@code namespace}, {@code range}, {@code dict}, {@code cycler} and
 * {@code joiner}.
 *
 * <p>Values passed in are Java's JSON-like types: {@code null}, {@link Boolean}, numbers, {@link String},
 * {@link List} and {@link Map} (keep insertion order with a {@link LinkedHashMap}: tojson writes keys in it).
 */
public final class JinjaTemplate {
    private final List<Node> body;

    private JinjaTemplate(List<Node> body) {
        this.body = body;
    }

    /**
     * Parses a template.
     *
     * @throws JinjaException for a syntax error, naming its line
     */
    public static JinjaTemplate compile(String source) {
        return new JinjaTemplate(Parser.parse(source));
    }

    /**
     * Renders the template.
     *
     * @param variables the template's variables
     * @param clock what {@code strftime_now} reads, in the clock's zone
     * @throws JinjaException when rendering fails (also for {@code raise_exception}), naming the template line
     */
    public String render(Map<String, ?> variables, Clock clock) {
        Map<String, Object> converted = new HashMap<>();
        variables.forEach((name, value) -> converted.put(name, value(value)));
        return new Interpreter(globals(clock), converted).render(body);
    }

    private static Map<String, Object> globals(Clock clock) {
        Map<String, Object> globals = new HashMap<>();
        globals.put("raise_exception", (Py.Callable) (args, kwargs) -> {
            Object message = args.isEmpty() ? kwargs.getOrDefault("message", "") : args.getFirst();
            throw new JinjaException(Py.str(message), 0, true, null);
        });
        globals.put("strftime_now", (Py.Callable) (args, kwargs) -> Formatting.strftime(LocalDateTime.now(clock),
                Py.str(Methods.arg(args, kwargs, 0, "format", null, true))));
        globals.put("namespace", (Py.Callable) (args, kwargs) -> {
            Py.Namespace ns = new Py.Namespace();
            for (Object arg : args) {
                if (!(arg instanceof Map<?, ?> map)) {
                    throw Py.error("namespace() takes a mapping or keyword arguments");
                }
                map.forEach((k, v) -> ns.attributes.put(Py.str(k), v));
            }
            ns.attributes.putAll(kwargs);
            return ns;
        });
        globals.put("dict", (Py.Callable) (args, kwargs) -> {
            Map<Object, Object> map = new LinkedHashMap<>();
            for (Object arg : args) {
                if (arg instanceof Map<?, ?> m) {
                    map.putAll(m);
                } else {
                    for (Object pair : Py.iterate(arg)) {
                        List<Object> kv = Py.iterate(pair);
                        map.put(kv.get(0), kv.get(1));
                    }
                }
            }
            map.putAll(kwargs);
            return map;
        });
        globals.put("range", (Py.Callable) (args, kwargs) -> range(args));
        globals.put("cycler", (Py.Callable) (args, kwargs) -> cycler(args));
        globals.put("joiner", (Py.Callable) (args, kwargs) -> {
            String separator = args.isEmpty() ? ", " : Py.str(args.getFirst());
            boolean[] used = {false};
            return (Py.Callable) (a, k) -> {
                if (used[0]) {
                    return separator;
                }
                used[0] = true;
                return "";
            };
        });
        return globals;
    }

    private static Object range(List<Object> args) {
        if (args.isEmpty() || args.size() > 3 || !args.stream().allMatch(Py::isIntegral)) {
            throw Py.error("range() takes one to three integers");
        }
        long start = args.size() == 1 ? 0 : Py.asLong(args.get(0));
        long stop = Py.asLong(args.get(args.size() == 1 ? 0 : 1));
        long step = args.size() == 3 ? Py.asLong(args.get(2)) : 1;
        if (step == 0) {
            throw Py.error("range() arg 3 must not be zero");
        }
        List<Object> values = new ArrayList<>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
            if (values.size() >= Interpreter.MAX_RANGE) {
                throw Py.error("Range too big. The sandbox blocks ranges larger than MAX_RANGE ("
                        + Interpreter.MAX_RANGE + ").");
            }
            values.add(i);
        }
        return values;
    }

    private static Object cycler(List<Object> items) {
        if (items.isEmpty()) {
            throw Py.error("cycler() needs at least one item");
        }
        int[] position = {0};
        Map<Object, Object> cycler = new LinkedHashMap<>();
        cycler.put("next", (Py.Callable) (a, k) -> items.get(position[0]++ % items.size()));
        cycler.put("reset", (Py.Callable) (a, k) -> {
            position[0] = 0;
            return null;
        });
        return cycler;
    }

    /** A Java value as a template value: ints as Long, other numbers as Double, lists and maps copied. */
    static Object value(Object o) {
        return switch (o) {
            case null -> null;
            case String s -> s;
            case Boolean b -> b;
            case Long l -> l;
            case Integer i -> (long) i;
            case Short s -> (long) s;
            case Byte b -> (long) b;
            case BigInteger b -> b.bitLength() < 64 ? (Object) b.longValue() : (Object) b.doubleValue();
            case BigDecimal d -> d.doubleValue();
            case Number n -> n.doubleValue();
            case Character c -> c.toString();
            case Map<?, ?> m -> {
                Map<Object, Object> copy = new LinkedHashMap<>();
                m.forEach((k, v) -> copy.put(value(k), value(v)));
                yield copy;
            }
            case List<?> l -> {
                List<Object> copy = new ArrayList<>(l.size());
                l.forEach(v -> copy.add(value(v)));
                yield copy;
            }
            default -> throw new IllegalArgumentException("a template value must be null, a boolean, a number, a "
                    + "string, a list or a map, not " + o.getClass().getName());
        };
    }
}
