package dev.rill.internal.jinja;

import dev.rill.internal.jinja.Node.Expr;
import dev.rill.internal.jinja.Py.Undefined;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders parsed nodes: one instance per render, on one thread. Scopes follow jinja2: each for-loop iteration and
 * each macro call has its own, {@code set} writes to the innermost one, and macros see the template's top level.
 */
final class Interpreter {
    /** Ranges and repeated lists longer than this fail, as in jinja2's sandbox. */
    static final int MAX_RANGE = 100_000;
    /** Output longer than this (in chars) fails: a template gone wrong, not a prompt. */
    static final long MAX_OUTPUT = 64L << 20;
    private static final int MAX_DEPTH = 500;

    private static final class BreakSignal extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BreakSignal() {
            super(null, null, false, false);
        }
    }

    private static final class ContinueSignal extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ContinueSignal() {
            super(null, null, false, false);
        }
    }

    private static final BreakSignal BREAK = new BreakSignal();
    private static final ContinueSignal CONTINUE = new ContinueSignal();

    /** Variables of one level: a loop iteration, a macro call, the template's top level or the globals. */
    static final class Scope {
        final Scope parent;
        final Map<String, Object> vars = new HashMap<>();

        Scope(Scope parent) {
            this.parent = parent;
        }

        boolean has(String name) {
            for (Scope s = this; s != null; s = s.parent) {
                if (s.vars.containsKey(name)) {
                    return true;
                }
            }
            return false;
        }

        Object get(String name) {
            for (Scope s = this; s != null; s = s.parent) {
                Object value = s.vars.get(name);
                if (value != null || s.vars.containsKey(name)) {
                    return value;
                }
            }
            return new Undefined("'" + name + "' is undefined");
        }
    }

    final Scope top;
    private final Filters filters = new Filters(this);
    private int line;
    private int depth;
    private long written;

    Interpreter(Map<String, Object> globals, Map<String, Object> variables) {
        Scope globalScope = new Scope(null);
        globalScope.vars.putAll(globals);
        Scope variableScope = new Scope(globalScope);
        variableScope.vars.putAll(variables);
        this.top = new Scope(variableScope);
    }

    String render(List<Node> body) {
        StringBuilder out = new StringBuilder();
        try {
            execute(body, top, out);
        } catch (BreakSignal | ContinueSignal e) {
            throw new JinjaException("break or continue outside a loop", line);
        } catch (JinjaException e) {
            throw e.at(line);
        } catch (StackOverflowError e) {
            throw new JinjaException("the template nests too deeply", line);
        } catch (RuntimeException e) {
            throw new JinjaException(e.getClass().getSimpleName() + ": " + e.getMessage(), line, false, e);
        }
        return out.toString();
    }

    int line() {
        return line;
    }

    void execute(List<Node> body, Scope scope, StringBuilder out) {
        for (Node node : body) {
            line = node.line();
            switch (node) {
                case Node.Text text -> write(out, text.text());
                case Node.Print print -> write(out, Py.str(eval(print.value(), scope)));
                case Node.If branches -> {
                    boolean taken = false;
                    for (Node.Branch branch : branches.branches()) {
                        if (Py.truthy(eval(branch.test(), scope))) {
                            execute(branch.body(), scope, out);
                            taken = true;
                            break;
                        }
                    }
                    if (!taken) {
                        execute(branches.otherwise(), scope, out);
                    }
                }
                case Node.For loop -> forLoop(loop, scope, out);
                case Node.Set set -> assign(set.target(), eval(set.value(), scope), scope);
                case Node.SetBlock set -> {
                    StringBuilder captured = new StringBuilder();
                    execute(set.body(), scope, captured);
                    Object value = captured.toString();
                    for (Expr.Filter filter : set.filters()) {
                        value = applyFilter(filter, value, scope);
                    }
                    assign(set.target(), value, scope);
                }
                case Node.Macro macro -> scope.vars.put(macro.name(), new Macro(this, macro));
                case Node.FilterBlock block -> {
                    StringBuilder captured = new StringBuilder();
                    execute(block.body(), scope, captured);
                    Object value = captured.toString();
                    for (Expr.Filter filter : block.filters()) {
                        value = applyFilter(filter, value, scope);
                    }
                    write(out, Py.str(value));
                }
                case Node.Break b -> throw BREAK;
                case Node.Continue c -> throw CONTINUE;
            }
        }
    }

    private void write(StringBuilder out, String s) {
        written += s.length();
        if (written > MAX_OUTPUT) {
            throw new JinjaException("the template wrote more than " + MAX_OUTPUT + " characters", line);
        }
        out.append(s);
    }

    private void forLoop(Node.For loop, Scope scope, StringBuilder out) {
        List<Object> items = Py.iterate(eval(loop.iterable(), scope));
        if (loop.filter() != null) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                Scope probe = new Scope(scope);
                assign(loop.target(), item, probe);
                if (Py.truthy(eval(loop.filter(), probe))) {
                    kept.add(item);
                }
            }
            items = kept;
        }
        if (items.isEmpty()) {
            execute(loop.otherwise(), scope, out);
            return;
        }
        Object outerLoop = scope.has("loop") ? scope.get("loop") : null;
        for (int i = 0; i < items.size(); i++) {
            Scope iteration = new Scope(scope);
            iteration.vars.put("loop", new Loop(items, i, outerLoop));
            assign(loop.target(), items.get(i), iteration);
            try {
                execute(loop.body(), iteration, out);
            } catch (BreakSignal b) {
                break;
            } catch (ContinueSignal c) {
                // next item
            }
        }
    }

    /** The {@code loop} variable of a for loop. */
    static final class Loop {
        final List<Object> items;
        final int index;
        final Object parent;

        Loop(List<Object> items, int index, Object parent) {
            this.items = items;
            this.index = index;
            this.parent = parent;
        }

        Object attribute(String name) {
            int length = items.size();
            return switch (name) {
                case "index" -> (long) index + 1;
                case "index0" -> (long) index;
                case "revindex" -> (long) (length - index);
                case "revindex0" -> (long) (length - index - 1);
                case "first" -> index == 0;
                case "last" -> index == length - 1;
                case "length" -> (long) length;
                case "depth" -> 1L;
                case "depth0" -> 0L;
                case "previtem" -> index > 0 ? items.get(index - 1) : new Undefined("there is no previous item");
                case "nextitem" -> index < length - 1 ? items.get(index + 1) : new Undefined("there is no next item");
                case "cycle" -> (Py.Callable) (args, kwargs) -> {
                    if (args.isEmpty()) {
                        throw Py.error("no items for cycling given");
                    }
                    return args.get(index % args.size());
                };
                default -> new Undefined("'LoopContext' object has no attribute '" + name + "'");
            };
        }
    }

    private void assign(Node.Target target, Object value, Scope scope) {
        switch (target) {
            case Node.Target.Name name -> scope.vars.put(name.name(), value);
            case Node.Target.Unpack unpack -> {
                List<Object> values = Py.iterate(value);
                if (values.size() != unpack.targets().size()) {
                    throw Py.error((values.size() > unpack.targets().size() ? "too many" : "not enough")
                            + " values to unpack (expected " + unpack.targets().size() + ", got " + values.size() + ")");
                }
                for (int i = 0; i < values.size(); i++) {
                    assign(unpack.targets().get(i), values.get(i), scope);
                }
            }
            case Node.Target.Attribute attribute -> {
                Object namespace = scope.get(attribute.name());
                if (!(namespace instanceof Py.Namespace ns)) {
                    throw Py.error("cannot assign attribute on non-namespace object");
                }
                ns.attributes.put(attribute.attribute(), value);
            }
        }
    }

    Object eval(Expr expr, Scope scope) {
        return switch (expr) {
            case Expr.Const c -> c.value();
            case Expr.Name name -> scope.get(name.name());
            case Expr.GetAttr get -> getAttribute(eval(get.target(), scope), get.name());
            case Expr.GetItem get -> get.key() instanceof Expr.Slice slice
                    ? slice(eval(get.target(), scope), slice, scope)
                    : getItem(eval(get.target(), scope), eval(get.key(), scope));
            case Expr.Slice slice -> throw Py.error("a slice outside brackets");
            case Expr.Call call -> call(call, scope);
            case Expr.Filter filter -> applyFilter(filter, eval(filter.value(), scope), scope);
            case Expr.Test test -> {
                boolean result = Tests.test(this, test.name(), eval(test.value(), scope), evalAll(test.args(), scope));
                yield test.negated() != result;
            }
            case Expr.Not not -> !Py.truthy(eval(not.value(), scope));
            case Expr.Negative negative -> Py.negate(eval(negative.value(), scope));
            case Expr.Positive positive -> {
                Object value = eval(positive.value(), scope);
                if (!Py.isNumber(value)) {
                    throw Py.error("bad operand type for unary +: '" + Py.typeName(value) + "'");
                }
                yield value instanceof Boolean ? Py.asLong(value) : value;
            }
            case Expr.And and -> {
                Object left = eval(and.left(), scope);
                yield Py.truthy(left) ? eval(and.right(), scope) : left;
            }
            case Expr.Or or -> {
                Object left = eval(or.left(), scope);
                yield Py.truthy(left) ? left : eval(or.right(), scope);
            }
            case Expr.Binary binary -> binary(binary, scope);
            case Expr.Compare compare -> compare(compare, scope);
            case Expr.Conditional conditional -> Py.truthy(eval(conditional.test(), scope))
                    ? eval(conditional.then(), scope)
                    : conditional.otherwise() == null ? new Undefined("the inline if expression on line "
                    + conditional.line() + " evaluated to false and no else section was defined")
                    : eval(conditional.otherwise(), scope);
            case Expr.ListLiteral list -> new ArrayList<>(evalAll(list.items(), scope));
            case Expr.TupleLiteral tuple -> new Py.Tuple(evalAll(tuple.items(), scope));
            case Expr.DictLiteral dict -> {
                Map<Object, Object> map = new LinkedHashMap<>();
                for (int i = 0; i < dict.keys().size(); i++) {
                    map.put(eval(dict.keys().get(i), scope), eval(dict.values().get(i), scope));
                }
                yield map;
            }
        };
    }

    private List<Object> evalAll(List<Expr> exprs, Scope scope) {
        List<Object> values = new ArrayList<>(exprs.size());
        for (Expr e : exprs) {
            values.add(eval(e, scope));
        }
        return values;
    }

    private Object binary(Expr.Binary binary, Scope scope) {
        Object left = eval(binary.left(), scope);
        Object right = eval(binary.right(), scope);
        return switch (binary.op()) {
            case "+" -> Py.add(left, right);
            case "~" -> Py.str(left) + Py.str(right);
            default -> Py.arithmetic(binary.op(), left, right);
        };
    }

    private Object compare(Expr.Compare compare, Scope scope) {
        Object left = eval(compare.first(), scope);
        for (int i = 0; i < compare.ops().size(); i++) {
            String op = compare.ops().get(i);
            Object right = eval(compare.operands().get(i), scope);
            boolean result = switch (op) {
                case "==" -> Py.eq(left, right);
                case "!=" -> !Py.eq(left, right);
                case "<" -> Py.compare(left, right, op) < 0;
                case "<=" -> Py.compare(left, right, op) <= 0;
                case ">" -> Py.compare(left, right, op) > 0;
                case ">=" -> Py.compare(left, right, op) >= 0;
                case "in" -> Py.contains(right, left);
                case "notin" -> !Py.contains(right, left);
                default -> throw Py.error("unknown comparison " + op);
            };
            if (!result) {
                return false;
            }
            left = right;
        }
        return true;
    }

    /** {@code obj.name}: jinja2 tries the attribute (methods of str, dict, list) first, then the item. */
    Object getAttribute(Object value, String name) {
        Object target = Py.plain(value);
        switch (target) {
            case Undefined u -> throw u.fail();
            case Map<?, ?> map -> {
                Object method = Methods.bind(target, name);
                if (method != null) {
                    return method;
                }
                if (map.containsKey(name)) {
                    return map.get(name);
                }
                return new Undefined("'dict object' has no attribute '" + name + "'");
            }
            case Py.Namespace ns -> {
                if (ns.attributes.containsKey(name)) {
                    return ns.attributes.get(name);
                }
                return new Undefined("'Namespace' object has no attribute '" + name + "'");
            }
            case Loop loop -> {
                return loop.attribute(name);
            }
            case null -> {
                return new Undefined("'None' has no attribute '" + name + "'");
            }
            default -> {
                Object method = Methods.bind(target, name);
                if (method != null) {
                    return method;
                }
                return new Undefined("'" + Py.typeName(target) + " object' has no attribute '" + name + "'");
            }
        }
    }

    /** {@code obj[key]}: the item first, then (for a string key) the attribute. */
    Object getItem(Object value, Object index) {
        Object target = Py.plain(value);
        Object key = Py.plain(index);
        switch (target) {
            case Undefined u -> throw u.fail();
            case Map<?, ?> map -> {
                Object k = key instanceof Boolean b ? (Object) (b ? 1L : 0L) : key;
                if (map.containsKey(k)) {
                    return map.get(k);
                }
                if (key instanceof String s) {
                    Object method = Methods.bind(target, s);
                    if (method != null) {
                        return method;
                    }
                }
                return new Undefined("'dict object' has no attribute '" + Py.str(key) + "'");
            }
            case List<?> list -> {
                if (Py.isIntegral(key)) {
                    long i = Py.asLong(key);
                    if (i < 0) {
                        i += list.size();
                    }
                    if (i < 0 || i >= list.size()) {
                        return new Undefined("'" + Py.typeName(target) + " object' has no element " + Py.asLong(key));
                    }
                    return list.get((int) i);
                }
            }
            case String s -> {
                if (Py.isIntegral(key)) {
                    int length = s.codePointCount(0, s.length());
                    long i = Py.asLong(key);
                    if (i < 0) {
                        i += length;
                    }
                    if (i < 0 || i >= length) {
                        return new Undefined("'str object' has no element " + Py.asLong(key));
                    }
                    int offset = s.offsetByCodePoints(0, (int) i);
                    return new String(Character.toChars(s.codePointAt(offset)));
                }
            }
            case Py.Namespace ns -> {
                if (key instanceof String name) {
                    return getAttribute(target, name);
                }
            }
            case Loop loop -> {
                if (key instanceof String name) {
                    return loop.attribute(name);
                }
            }
            case null -> {
                return new Undefined("'None' has no attribute '" + Py.str(key) + "'");
            }
            default -> {
            }
        }
        if (key instanceof String name) {
            return getAttribute(target, name);
        }
        return new Undefined("'" + Py.typeName(target) + " object' has no element " + Py.repr(key));
    }

    private Object slice(Object target, Expr.Slice slice, Scope scope) {
        Object start = slice.start() == null ? null : eval(slice.start(), scope);
        Object stop = slice.stop() == null ? null : eval(slice.stop(), scope);
        Object step = slice.step() == null ? null : eval(slice.step(), scope);
        target = Py.plain(target);
        if (target instanceof Undefined u) {
            throw u.fail();
        }
        List<Object> items;
        if (target instanceof String s) {
            items = Py.iterate(s);
        } else if (target instanceof List<?> list) {
            items = new ArrayList<>(list);
        } else {
            throw Py.error("'" + Py.typeName(target) + "' object is not subscriptable");
        }
        List<Object> picked = slice(items, start, stop, step);
        if (target instanceof String) {
            StringBuilder b = new StringBuilder();
            picked.forEach(o -> b.append((String) o));
            return b.toString();
        }
        return target instanceof Py.Tuple ? new Py.Tuple(picked) : picked;
    }

    static List<Object> slice(List<Object> items, Object startValue, Object stopValue, Object stepValue) {
        int n = items.size();
        long step = stepValue == null ? 1 : index(stepValue);
        if (step == 0) {
            throw Py.error("slice step cannot be zero");
        }
        long start;
        long stop;
        if (step > 0) {
            start = startValue == null ? 0 : clamp(index(startValue), n, 0, n);
            stop = stopValue == null ? n : clamp(index(stopValue), n, 0, n);
        } else {
            start = startValue == null ? n - 1 : clamp(index(startValue), n, -1, n - 1);
            stop = stopValue == null ? -1 : clamp(index(stopValue), n, -1, n - 1);
        }
        List<Object> out = new ArrayList<>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
            out.add(items.get((int) i));
        }
        return out;
    }

    private static long index(Object value) {
        if (!Py.isIntegral(value)) {
            throw Py.error("slice indices must be integers or None");
        }
        return Py.asLong(value);
    }

    private static long clamp(long i, int n, long low, long high) {
        if (i < 0) {
            i += n;
        }
        return Math.max(low, Math.min(high, i));
    }

    private Object call(Expr.Call call, Scope scope) {
        Object callee = eval(call.callee(), scope);
        List<Object> args = evalAll(call.args(), scope);
        if (call.starArgs() != null) {
            args.addAll(Py.iterate(eval(call.starArgs(), scope)));
        }
        Map<String, Object> kwargs = new LinkedHashMap<>();
        for (Expr.Keyword keyword : call.kwargs()) {
            kwargs.put(keyword.name(), eval(keyword.value(), scope));
        }
        if (call.starKwargs() != null) {
            Object extra = eval(call.starKwargs(), scope);
            if (!(extra instanceof Map<?, ?> map)) {
                throw Py.error("argument after ** must be a mapping, not " + Py.typeName(extra));
            }
            map.forEach((k, v) -> kwargs.put(Py.str(k), v));
        }
        return invoke(callee, args, kwargs);
    }

    Object invoke(Object callee, List<Object> args, Map<String, Object> kwargs) {
        if (callee instanceof Undefined u) {
            throw u.fail();
        }
        if (!(callee instanceof Py.Callable callable)) {
            throw Py.error("'" + Py.typeName(callee) + "' object is not callable");
        }
        if (++depth > MAX_DEPTH) {
            throw Py.error("maximum recursion depth exceeded");
        }
        try {
            return callable.call(args, kwargs);
        } finally {
            depth--;
        }
    }

    private Object applyFilter(Expr.Filter filter, Object value, Scope scope) {
        List<Object> args = evalAll(filter.args(), scope);
        Map<String, Object> kwargs = new LinkedHashMap<>();
        for (Expr.Keyword keyword : filter.kwargs()) {
            kwargs.put(keyword.name(), eval(keyword.value(), scope));
        }
        return filters.apply(filter.name(), value, args, kwargs);
    }

    /** Calls filter {@code name} (for map and select, which take filters and tests by name). */
    Object filter(String name, Object value, List<Object> args, Map<String, Object> kwargs) {
        return filters.apply(name, value, args, kwargs);
    }

    /** Runs a macro's body in a scope of its own above the template's top level. */
    String callMacro(Node.Macro macro, List<Object> args, Map<String, Object> kwargs) {
        List<String> parameters = macro.parameters();
        if (args.size() > parameters.size()) {
            throw Py.error("macro '" + macro.name() + "' takes not more than " + parameters.size() + " argument(s)");
        }
        Scope scope = new Scope(top);
        int firstDefault = parameters.size() - macro.defaults().size();
        int savedLine = line;
        for (int i = 0; i < parameters.size(); i++) {
            String parameter = parameters.get(i);
            Object value;
            if (i < args.size()) {
                value = args.get(i);
                if (kwargs.containsKey(parameter)) {
                    throw Py.error("macro '" + macro.name() + "' got multiple values for argument '" + parameter + "'");
                }
            } else if (kwargs.containsKey(parameter)) {
                value = kwargs.get(parameter);
            } else if (i >= firstDefault) {
                value = eval(macro.defaults().get(i - firstDefault), scope);
            } else {
                value = new Undefined("parameter '" + parameter + "' was not provided");
            }
            scope.vars.put(parameter, value);
        }
        for (String name : kwargs.keySet()) {
            if (!parameters.contains(name)) {
                throw Py.error("macro '" + macro.name() + "' takes no keyword argument '" + name + "'");
            }
        }
        StringBuilder out = new StringBuilder();
        try {
            execute(macro.body(), scope, out);
        } catch (JinjaException e) {
            throw e.at(line);
        }
        line = savedLine;
        return out.toString();
    }
}
