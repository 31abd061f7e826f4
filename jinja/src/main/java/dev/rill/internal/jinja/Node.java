package dev.rill.internal.jinja;

import java.util.List;

/** The parsed template: statements, and the expressions inside them. Every node knows its source line. */
sealed interface Node {
    int line();

    /** Literal text between tags. */
    record Text(int line, String text) implements Node {
    }

    /** {@code {{ expression }}}. */
    record Print(int line, Expr value) implements Node {
    }

    /** {@code {% if %}...{% elif %}...{% else %}...{% endif %}}: the branches in order, then the else body. */
    record If(int line, List<Branch> branches, List<Node> otherwise) implements Node {
    }

    record Branch(Expr test, List<Node> body) {
    }

    /** {@code {% for target in iterable [if filter] %}...{% else %}...{% endfor %}}. */
    record For(int line, Target target, Expr iterable, Expr filter, List<Node> body, List<Node> otherwise,
               boolean recursive) implements Node {
    }

    /** {@code {% set target = value %}}. */
    record Set(int line, Target target, Expr value) implements Node {
    }

    /** {@code {% set name %}...{% endset %}}, the body through the optional filters. */
    record SetBlock(int line, Target target, List<Expr.Filter> filters, List<Node> body) implements Node {
    }

    /** {@code {% macro name(parameters) %}...{% endmacro %}}; defaults align with the last parameters. */
    record Macro(int line, String name, List<String> parameters, List<Expr> defaults, List<Node> body)
            implements Node {
    }

    /** {@code {% filter name %}...{% endfilter %}}: the body's output through the filters. */
    record FilterBlock(int line, List<Expr.Filter> filters, List<Node> body) implements Node {
    }

    /** {@code {% break %}}. */
    record Break(int line) implements Node {
    }

    /** {@code {% continue %}}. */
    record Continue(int line) implements Node {
    }

    /** What a for loop or a set assigns to: a name, names to unpack, or a namespace attribute. */
    sealed interface Target {
        record Name(String name) implements Target {
        }

        record Unpack(List<Target> targets) implements Target {
        }

        record Attribute(String name, String attribute) implements Target {
        }
    }

    /** Expressions. */
    sealed interface Expr {
        int line();

        record Const(int line, Object value) implements Expr {
        }

        record Name(int line, String name) implements Expr {
        }

        record GetAttr(int line, Expr target, String name) implements Expr {
        }

        record GetItem(int line, Expr target, Expr key) implements Expr {
        }

        /** {@code a:b:c} inside brackets; any part may be null. */
        record Slice(int line, Expr start, Expr stop, Expr step) implements Expr {
        }

        record Call(int line, Expr callee, List<Expr> args, List<Keyword> kwargs, Expr starArgs, Expr starKwargs)
                implements Expr {
        }

        record Keyword(String name, Expr value) {
        }

        /** {@code value | name(args)}; value is null in a filter block or a set block. */
        record Filter(int line, Expr value, String name, List<Expr> args, List<Keyword> kwargs) implements Expr {
        }

        record Test(int line, Expr value, String name, List<Expr> args, boolean negated) implements Expr {
        }

        record Not(int line, Expr value) implements Expr {
        }

        record Negative(int line, Expr value) implements Expr {
        }

        record Positive(int line, Expr value) implements Expr {
        }

        record And(int line, Expr left, Expr right) implements Expr {
        }

        record Or(int line, Expr left, Expr right) implements Expr {
        }

        /** {@code + - * / // % ** ~}. */
        record Binary(int line, String op, Expr left, Expr right) implements Expr {
        }

        /** A chain of comparisons, {@code a < b <= c}: ops are {@code == != < <= > >= in notin}. */
        record Compare(int line, Expr first, List<String> ops, List<Expr> operands) implements Expr {
        }

        /** {@code then if test else otherwise}; otherwise may be null (undefined). */
        record Conditional(int line, Expr test, Expr then, Expr otherwise) implements Expr {
        }

        record ListLiteral(int line, List<Expr> items) implements Expr {
        }

        record TupleLiteral(int line, List<Expr> items) implements Expr {
        }

        record DictLiteral(int line, List<Expr> keys, List<Expr> values) implements Expr {
        }
    }
}
