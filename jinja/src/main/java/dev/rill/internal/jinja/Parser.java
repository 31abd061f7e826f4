package dev.rill.internal.jinja;

import dev.rill.internal.jinja.Lexer.Token;
import dev.rill.internal.jinja.Lexer.Type;
import dev.rill.internal.jinja.Node.Expr;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Parses tokens into nodes, following the grammar and operator precedence of Python's jinja2. */
final class Parser {
    private static final Set<String> COMPARE = Set.of("==", "!=", "<", "<=", ">", ">=");

    private final List<Token> tokens;
    private int pos;

    private Parser(List<Token> tokens) {
        this.tokens = tokens;
    }

    static List<Node> parse(String source) {
        Parser parser = new Parser(Lexer.tokenize(source));
        List<Node> body = parser.subparse(Set.of());
        if (parser.current().type() != Type.EOF) {
            throw parser.fail("unexpected " + parser.current());
        }
        return body;
    }

    private Token current() {
        return tokens.get(pos);
    }

    private Token peek() {
        return tokens.get(Math.min(pos + 1, tokens.size() - 1));
    }

    private Token next() {
        Token t = tokens.get(pos);
        if (t.type() != Type.EOF) {
            pos++;
        }
        return t;
    }

    private JinjaException fail(String message) {
        return new JinjaException(message, current().line());
    }

    private Token expect(Type type) {
        if (current().type() != type) {
            throw fail("expected " + describe(type) + ", got " + current());
        }
        return next();
    }

    private void expectOp(String op) {
        if (!current().isOp(op)) {
            throw fail("expected '" + op + "', got " + current());
        }
        next();
    }

    private void expectName(String name) {
        if (!current().isName(name)) {
            throw fail("expected '" + name + "', got " + current());
        }
        next();
    }

    private boolean skipOp(String op) {
        if (current().isOp(op)) {
            next();
            return true;
        }
        return false;
    }

    private boolean skipName(String name) {
        if (current().isName(name)) {
            next();
            return true;
        }
        return false;
    }

    private static String describe(Type type) {
        return switch (type) {
            case NAME -> "a name";
            case BLOCK_END -> "end of statement block";
            case VAR_END -> "end of print statement";
            default -> type.name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** Parses nodes until a block tag whose name is in {@code endTags} (left as the current token) or the end. */
    private List<Node> subparse(Set<String> endTags) {
        List<Node> body = new ArrayList<>();
        while (true) {
            Token t = current();
            switch (t.type()) {
                case TEXT -> {
                    next();
                    body.add(new Node.Text(t.line(), t.value()));
                }
                case VAR_BEGIN -> {
                    next();
                    Expr value = tuple(true, Set.of());
                    expect(Type.VAR_END);
                    body.add(new Node.Print(t.line(), value));
                }
                case BLOCK_BEGIN -> {
                    Token name = peek();
                    if (name.type() == Type.NAME && endTags.contains(name.value())) {
                        next();
                        return body;
                    }
                    next();
                    body.add(statement());
                }
                case EOF -> {
                    if (!endTags.isEmpty()) {
                        throw fail("unexpected end of template, expected one of " + endTags.stream().sorted().toList());
                    }
                    return body;
                }
                default -> throw fail("unexpected " + t);
            }
        }
    }

    private Node statement() {
        Token t = current();
        if (t.type() != Type.NAME) {
            throw fail("tag name expected");
        }
        int line = t.line();
        next();
        Node node = switch (t.value()) {
            case "if" -> ifStatement(line);
            case "for" -> forStatement(line);
            case "set" -> setStatement(line);
            case "macro" -> macro(line);
            case "filter" -> filterBlock(line);
            case "generation" -> generation(line);
            case "break" -> {
                expect(Type.BLOCK_END);
                yield new Node.Break(line);
            }
            case "continue" -> {
                expect(Type.BLOCK_END);
                yield new Node.Continue(line);
            }
            default -> throw new JinjaException("unknown tag '" + t.value() + "'", line);
        };
        return node;
    }

    private Node ifStatement(int line) {
        List<Node.Branch> branches = new ArrayList<>();
        List<Node> otherwise = List.of();
        Expr test = tuple(false, Set.of());
        expect(Type.BLOCK_END);
        while (true) {
            List<Node> body = subparse(Set.of("elif", "else", "endif"));
            branches.add(new Node.Branch(test, body));
            Token tag = next();
            if (tag.value().equals("elif")) {
                test = tuple(false, Set.of());
                expect(Type.BLOCK_END);
                continue;
            }
            if (tag.value().equals("else")) {
                expect(Type.BLOCK_END);
                otherwise = subparse(Set.of("endif"));
                next();
            }
            expect(Type.BLOCK_END);
            return new Node.If(line, List.copyOf(branches), otherwise);
        }
    }

    private Node forStatement(int line) {
        Node.Target target = assignTarget(false, Set.of("in"));
        expectName("in");
        Expr iterable = tuple(false, Set.of("recursive"));
        Expr filter = null;
        if (skipName("if")) {
            filter = expression(true);
        }
        boolean recursive = skipName("recursive");
        expect(Type.BLOCK_END);
        List<Node> body = subparse(Set.of("endfor", "else"));
        List<Node> otherwise = List.of();
        if (next().value().equals("else")) {
            expect(Type.BLOCK_END);
            otherwise = subparse(Set.of("endfor"));
            next();
        }
        expect(Type.BLOCK_END);
        if (recursive) {
            throw new JinjaException("recursive for loops are not supported", line);
        }
        return new Node.For(line, target, iterable, filter, body, otherwise, false);
    }

    private Node setStatement(int line) {
        Node.Target target = assignTarget(true, Set.of());
        if (skipOp("=")) {
            Expr value = tuple(true, Set.of());
            expect(Type.BLOCK_END);
            return new Node.Set(line, target, value);
        }
        List<Expr.Filter> filters = filterChain();
        expect(Type.BLOCK_END);
        List<Node> body = subparse(Set.of("endset"));
        next();
        expect(Type.BLOCK_END);
        return new Node.SetBlock(line, target, filters, body);
    }

    private Node macro(int line) {
        String name = expect(Type.NAME).value();
        List<String> parameters = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        expectOp("(");
        while (!current().isOp(")")) {
            if (!parameters.isEmpty()) {
                expectOp(",");
                if (current().isOp(")")) {
                    break;
                }
            }
            parameters.add(expect(Type.NAME).value());
            if (skipOp("=")) {
                defaults.add(expression(true));
            } else if (!defaults.isEmpty()) {
                throw fail("non-default argument follows default argument");
            }
        }
        next();
        expect(Type.BLOCK_END);
        List<Node> body = subparse(Set.of("endmacro"));
        next();
        if (current().type() == Type.NAME) {
            next(); // {% endmacro name %}
        }
        expect(Type.BLOCK_END);
        return new Node.Macro(line, name, List.copyOf(parameters), List.copyOf(defaults), body);
    }

    private Node filterBlock(int line) {
        List<Expr.Filter> filters = new ArrayList<>();
        do {
            filters.add(filter(null, current().line()));
        } while (skipOp("|"));
        expect(Type.BLOCK_END);
        List<Node> body = subparse(Set.of("endfilter"));
        next();
        expect(Type.BLOCK_END);
        return new Node.FilterBlock(line, List.copyOf(filters), body);
    }

    /** Hugging Face's {% generation %} marks the assistant's part for training masks; it renders its body. */
    private Node generation(int line) {
        expect(Type.BLOCK_END);
        List<Node> body = subparse(Set.of("endgeneration"));
        next();
        expect(Type.BLOCK_END);
        return new Node.FilterBlock(line, List.of(), body);
    }

    private List<Expr.Filter> filterChain() {
        List<Expr.Filter> filters = new ArrayList<>();
        while (skipOp("|")) {
            filters.add(filter(null, current().line()));
        }
        return filters;
    }

    private Node.Target assignTarget(boolean withNamespace, Set<String> endNames) {
        List<Node.Target> targets = new ArrayList<>();
        boolean tuple = false;
        boolean parenthesised = skipOp("(");
        while (true) {
            if (!targets.isEmpty()) {
                if (!skipOp(",")) {
                    break;
                }
                tuple = true;
            }
            if (current().type() != Type.NAME || endNames.contains(current().value())) {
                if (targets.isEmpty()) {
                    throw fail("can't assign to " + current());
                }
                break;
            }
            String name = next().value();
            if (withNamespace && current().isOp(".") && peek().type() == Type.NAME) {
                next();
                targets.add(new Node.Target.Attribute(name, next().value()));
            } else {
                targets.add(new Node.Target.Name(name));
            }
        }
        if (parenthesised) {
            expectOp(")");
        }
        return tuple || targets.size() > 1 ? new Node.Target.Unpack(List.copyOf(targets)) : targets.getFirst();
    }

    // Expressions, from the loosest binding to the tightest, as jinja2's parser does them.

    /**
     * A tuple without parentheses ({@code a, b}) or a single expression. {@code withCondexpr} allows
     * {@code x if y else z}; parsing stops before names in {@code endNames}.
     */
    private Expr tuple(boolean withCondexpr, Set<String> endNames) {
        int line = current().line();
        List<Expr> items = new ArrayList<>();
        boolean comma = false;
        while (true) {
            if (!items.isEmpty()) {
                if (!skipOp(",")) {
                    break;
                }
                comma = true;
            }
            if (tupleEnds(endNames)) {
                break;
            }
            items.add(expression(withCondexpr));
        }
        if (!comma) {
            if (items.isEmpty()) {
                throw fail("expected an expression, got " + current());
            }
            return items.getFirst();
        }
        return new Expr.TupleLiteral(line, List.copyOf(items));
    }

    private boolean tupleEnds(Set<String> endNames) {
        Token t = current();
        return switch (t.type()) {
            case VAR_END, BLOCK_END, EOF -> true;
            case OP -> t.value().equals(")") || t.value().equals("]") || t.value().equals("}");
            case NAME -> endNames.contains(t.value());
            default -> false;
        };
    }

    private Expr expression(boolean withCondexpr) {
        return withCondexpr ? conditional() : or();
    }

    private Expr conditional() {
        int line = current().line();
        Expr expr = or();
        while (skipName("if")) {
            Expr test = or();
            Expr otherwise = skipName("else") ? conditional() : null;
            expr = new Expr.Conditional(line, test, expr, otherwise);
            line = current().line();
        }
        return expr;
    }

    private Expr or() {
        Expr left = and();
        while (current().isName("or")) {
            int line = next().line();
            left = new Expr.Or(line, left, and());
        }
        return left;
    }

    private Expr and() {
        Expr left = not();
        while (current().isName("and")) {
            int line = next().line();
            left = new Expr.And(line, left, not());
        }
        return left;
    }

    private Expr not() {
        if (current().isName("not")) {
            int line = next().line();
            return new Expr.Not(line, not());
        }
        return compare();
    }

    private Expr compare() {
        int line = current().line();
        Expr first = math1();
        List<String> ops = new ArrayList<>();
        List<Expr> operands = new ArrayList<>();
        while (true) {
            Token t = current();
            if (t.type() == Type.OP && COMPARE.contains(t.value())) {
                next();
                ops.add(t.value());
                operands.add(math1());
            } else if (t.isName("in")) {
                next();
                ops.add("in");
                operands.add(math1());
            } else if (t.isName("not") && peek().isName("in")) {
                next();
                next();
                ops.add("notin");
                operands.add(math1());
            } else {
                break;
            }
        }
        return ops.isEmpty() ? first : new Expr.Compare(line, first, List.copyOf(ops), List.copyOf(operands));
    }

    private Expr math1() {
        Expr left = concat();
        while (current().isOp("+") || current().isOp("-")) {
            Token op = next();
            left = new Expr.Binary(op.line(), op.value(), left, concat());
        }
        return left;
    }

    private Expr concat() {
        Expr left = math2();
        while (current().isOp("~")) {
            Token op = next();
            left = new Expr.Binary(op.line(), "~", left, math2());
        }
        return left;
    }

    private Expr math2() {
        Expr left = pow();
        while (current().isOp("*") || current().isOp("/") || current().isOp("//") || current().isOp("%")) {
            Token op = next();
            left = new Expr.Binary(op.line(), op.value(), left, pow());
        }
        return left;
    }

    private Expr pow() {
        Expr left = unary(true);
        while (current().isOp("**")) {
            Token op = next();
            left = new Expr.Binary(op.line(), "**", left, unary(true));
        }
        return left;
    }

    private Expr unary(boolean withFilter) {
        Token t = current();
        Expr node;
        if (t.isOp("-")) {
            next();
            node = new Expr.Negative(t.line(), unary(false));
        } else if (t.isOp("+")) {
            next();
            node = new Expr.Positive(t.line(), unary(false));
        } else {
            node = primary();
        }
        node = postfix(node);
        if (withFilter) {
            node = filterExpression(node);
        }
        return node;
    }

    private Expr primary() {
        Token t = current();
        int line = t.line();
        switch (t.type()) {
            case NAME -> {
                next();
                return switch (t.value()) {
                    case "true", "True" -> new Expr.Const(line, Boolean.TRUE);
                    case "false", "False" -> new Expr.Const(line, Boolean.FALSE);
                    case "none", "None" -> new Expr.Const(line, null);
                    default -> new Expr.Name(line, t.value());
                };
            }
            case STRING -> {
                next();
                StringBuilder s = new StringBuilder(t.value());
                while (current().type() == Type.STRING) {
                    s.append(next().value());
                }
                return new Expr.Const(line, s.toString());
            }
            case INT -> {
                next();
                try {
                    return new Expr.Const(line, Long.parseLong(t.value()));
                } catch (NumberFormatException e) {
                    return new Expr.Const(line, Double.parseDouble(t.value()));
                }
            }
            case FLOAT -> {
                next();
                return new Expr.Const(line, Double.parseDouble(t.value()));
            }
            case OP -> {
                switch (t.value()) {
                    case "(" -> {
                        next();
                        if (skipOp(")")) {
                            return new Expr.TupleLiteral(line, List.of());
                        }
                        Expr inner = expression(true);
                        if (current().isOp(",")) {
                            List<Expr> items = new ArrayList<>(List.of(inner));
                            while (skipOp(",")) {
                                if (current().isOp(")")) {
                                    break;
                                }
                                items.add(expression(true));
                            }
                            expectOp(")");
                            return new Expr.TupleLiteral(line, List.copyOf(items));
                        }
                        expectOp(")");
                        return inner;
                    }
                    case "[" -> {
                        next();
                        List<Expr> items = new ArrayList<>();
                        while (!current().isOp("]")) {
                            if (!items.isEmpty()) {
                                expectOp(",");
                                if (current().isOp("]")) {
                                    break;
                                }
                            }
                            items.add(expression(true));
                        }
                        expectOp("]");
                        return new Expr.ListLiteral(line, List.copyOf(items));
                    }
                    case "{" -> {
                        next();
                        List<Expr> keys = new ArrayList<>();
                        List<Expr> values = new ArrayList<>();
                        while (!current().isOp("}")) {
                            if (!keys.isEmpty()) {
                                expectOp(",");
                                if (current().isOp("}")) {
                                    break;
                                }
                            }
                            keys.add(expression(true));
                            expectOp(":");
                            values.add(expression(true));
                        }
                        expectOp("}");
                        return new Expr.DictLiteral(line, List.copyOf(keys), List.copyOf(values));
                    }
                    default -> throw fail("unexpected " + t);
                }
            }
            default -> throw fail("unexpected " + t);
        }
    }

    private Expr postfix(Expr node) {
        while (true) {
            Token t = current();
            if (t.isOp(".") || t.isOp("[")) {
                node = subscript(node);
            } else if (t.isOp("(")) {
                node = call(node);
            } else {
                return node;
            }
        }
    }

    private Expr filterExpression(Expr node) {
        while (true) {
            Token t = current();
            if (t.isOp("|")) {
                next();
                node = filter(node, t.line());
            } else if (t.isName("is")) {
                node = test(node);
            } else if (t.isOp("(")) {
                node = call(node);
            } else {
                return node;
            }
        }
    }

    private Expr subscript(Expr node) {
        Token t = next();
        if (t.isOp(".")) {
            Token attr = next();
            if (attr.type() == Type.NAME) {
                return new Expr.GetAttr(t.line(), node, attr.value());
            }
            if (attr.type() == Type.INT) {
                Object index;
                try {
                    index = Long.parseLong(attr.value());
                } catch (NumberFormatException tooLarge) {
                    index = Double.parseDouble(attr.value()); // no item has it: the lookup gives undefined
                }
                return new Expr.GetItem(t.line(), node, new Expr.Const(t.line(), index));
            }
            throw new JinjaException("expected name or number after '.'", attr.line());
        }
        List<Expr> args = new ArrayList<>();
        while (!current().isOp("]")) {
            if (!args.isEmpty()) {
                expectOp(",");
                if (current().isOp("]")) {
                    break;
                }
            }
            args.add(subscribed());
        }
        expectOp("]");
        Expr key = args.size() == 1 ? args.getFirst() : new Expr.TupleLiteral(t.line(), List.copyOf(args));
        return new Expr.GetItem(t.line(), node, key);
    }

    private Expr subscribed() {
        int line = current().line();
        Expr start = null;
        if (!current().isOp(":")) {
            start = expression(true);
            if (!current().isOp(":")) {
                return start;
            }
        }
        next();
        Expr stop = null;
        Expr step = null;
        if (!current().isOp("]") && !current().isOp(",") && !current().isOp(":")) {
            stop = expression(true);
        }
        if (skipOp(":")) {
            if (!current().isOp("]") && !current().isOp(",")) {
                step = expression(true);
            }
        }
        return new Expr.Slice(line, start, stop, step);
    }

    private Expr call(Expr callee) {
        int line = current().line();
        expectOp("(");
        List<Expr> args = new ArrayList<>();
        List<Expr.Keyword> kwargs = new ArrayList<>();
        Expr starArgs = null;
        Expr starKwargs = null;
        boolean first = true;
        while (!current().isOp(")")) {
            if (!first) {
                expectOp(",");
                if (current().isOp(")")) {
                    break;
                }
            }
            first = false;
            if (skipOp("**")) {
                starKwargs = expression(true);
            } else if (skipOp("*")) {
                starArgs = expression(true);
            } else if (current().type() == Type.NAME && peek().isOp("=")) {
                String name = next().value();
                next();
                kwargs.add(new Expr.Keyword(name, expression(true)));
            } else {
                if (!kwargs.isEmpty() || starKwargs != null) {
                    throw fail("invalid syntax for function call expression");
                }
                args.add(expression(true));
            }
        }
        next();
        return new Expr.Call(line, callee, List.copyOf(args), List.copyOf(kwargs), starArgs, starKwargs);
    }

    private Expr.Filter filter(Expr value, int line) {
        StringBuilder name = new StringBuilder(expect(Type.NAME).value());
        while (current().isOp(".") && peek().type() == Type.NAME) {
            next();
            name.append('.').append(next().value());
        }
        List<Expr> args = List.of();
        List<Expr.Keyword> kwargs = List.of();
        if (current().isOp("(")) {
            Expr.Call call = (Expr.Call) call(null);
            args = call.args();
            kwargs = call.kwargs();
        }
        return new Expr.Filter(line, value, name.toString(), args, kwargs);
    }

    private Expr test(Expr value) {
        int line = next().line();
        boolean negated = skipName("not");
        StringBuilder name = new StringBuilder(expect(Type.NAME).value());
        while (current().isOp(".") && peek().type() == Type.NAME) {
            next();
            name.append('.').append(next().value());
        }
        List<Expr> args = List.of();
        Token t = current();
        if (t.isOp("(")) {
            args = ((Expr.Call) call(null)).args();
        } else if ((t.type() == Type.NAME || t.type() == Type.STRING || t.type() == Type.INT || t.type() == Type.FLOAT
                || t.isOp("[") || t.isOp("{")) && !t.isName("else") && !t.isName("or") && !t.isName("and")) {
            if (t.isName("is")) {
                throw fail("you cannot chain multiple tests with is");
            }
            args = List.of(postfix(primary()));
        }
        return new Expr.Test(line, value, name.toString(), args, negated);
    }
}
