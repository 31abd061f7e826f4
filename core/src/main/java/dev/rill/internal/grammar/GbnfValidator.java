package dev.rill.internal.grammar;

import dev.rill.Grammar.InvalidGrammarException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a GBNF grammar the way llama.cpp b4916 reads it ({@code llama_grammar_parser::parse}, then the checks of
 * {@code llama_grammar_init_impl}), so that a grammar llama.cpp would refuse is refused here first, with a reason
 * and a position, instead of llama.cpp printing the reason to standard error and handing back a sampler that lets
 * every token through.
 *
 * <p>The grammar is read as its UTF-8 bytes, as llama.cpp reads it, and translated into the same rule table:
 * one rule per named rule, one per parenthesized group and a chain of rules per repetition operator, each rule a
 * list of alternatives of terminals and rule references (runs of characters are kept as one terminal: only their
 * presence matters for the checks). What is refused:
 *
 * <ul>
 *   <li>syntax errors: a missing rule name or {@code ::=}, an unterminated string or character class, an unknown
 *       escape or a short hex escape, an unclosed group, a repetition operator with nothing before it, a
 *       malformed {@code {m,n}}, text after a rule on its line (an alternative continues on the next line only
 *       inside parentheses);
 *   <li>references to rules that are not defined, and no rule named {@code root};
 *   <li>left recursion, as llama.cpp detects it (a rule that can begin with itself, looking past rules that have
 *       an empty alternative).
 * </ul>
 *
 * <p>Beyond llama.cpp, and only where llama.cpp would crash or run out of memory, this also refuses: left
 * recursion that llama.cpp misses because it passes through a rule that matches the empty string only
 * indirectly (such as {@code ws ::= [ ]*}, whose one alternative is a reference to the generated repetition
 * rule; llama.cpp accepts the grammar, then recurses without end when it reaches the rule), chains of more than
 * {@value #MAX_START_DEPTH} rules at the start of a rule (which overflow llama.cpp's native stack or take it
 * minutes), groups nested more than {@value #MAX_GROUP_DEPTH} deep, repetition bounds over
 * {@value #MAX_REPETITION}, grammars that expand to more than
 * {@value #MAX_ELEMENTS} elements, a NUL
 * character and unpaired UTF-16 surrogates (which cannot be passed to llama.cpp unchanged).
 */
public final class GbnfValidator {
    /** The largest repetition bound accepted, in {@code {m}}, {@code {m,}} and {@code {m,n}}. */
    public static final int MAX_REPETITION = 10_000;
    /**
     * The longest chain of rules a rule may begin with (each rule's first item a reference to the next, or
     * references to rules that can match the empty string followed by it).
     */
    public static final int MAX_START_DEPTH = 1_000;
    /** The largest number of elements the rule table may hold once repetitions are expanded. */
    public static final int MAX_ELEMENTS = 4_000_000;
    /**
     * The deepest nesting of parenthesized groups accepted: each level is a recursion of the parser, here and in
     * llama.cpp, so a deeper one would overflow the stack.
     */
    public static final int MAX_GROUP_DEPTH = 1_000;

    // Elements: a rule reference is the rule's id (>= 0); the rest are negative.
    private static final int ALT = -1;
    private static final int END = -2;
    private static final int TERMINAL = -3;

    private final String text;
    private final byte[] src;
    private final Map<String, Integer> symbols = new HashMap<>();
    private final List<String> names = new ArrayList<>(); // by id: the rule name written in the grammar
    private final List<Boolean> generated = new ArrayList<>(); // by id: a group or repetition rule
    private final List<int[]> rules = new ArrayList<>(); // by id; null where not (yet) defined
    private final Map<Integer, Integer> firstReference = new HashMap<>(); // id -> byte offset
    private final Map<String, Integer> definition = new HashMap<>(); // name -> byte offset of its last definition
    private long elements;
    private int groupDepth;

    private GbnfValidator(String text) {
        this.text = text;
        this.src = text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Checks {@code gbnf}.
     *
     * @throws InvalidGrammarException when llama.cpp b4916 would not accept it (or would crash on it, see above)
     */
    public static void validate(String gbnf) {
        new GbnfValidator(gbnf).run();
    }

    /** Whether {@link #validate} accepts {@code gbnf}. */
    public static boolean isValid(String gbnf) {
        try {
            validate(gbnf);
            return true;
        } catch (InvalidGrammarException e) {
            return false;
        }
    }

    private void run() {
        checkCharacters();
        int p = space(0, true);
        while (at(p) != 0) {
            p = rule(p);
        }
        checkDefined();
        if (rules.isEmpty()) {
            throw whole("the grammar defines no rule");
        }
        Integer root = symbols.get("root");
        if (root == null || root >= rules.size() || rules.get(root) == null) {
            throw whole("the grammar has no rule named root, where generation starts");
        }
        checkLeftRecursion();
    }

    private void checkCharacters() {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0) {
                throw failAtChar(i, "the grammar contains a NUL character, which would end it early");
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw failAtChar(i, "unpaired UTF-16 surrogate U+" + Integer.toHexString(c).toUpperCase()
                        + ": the grammar is not valid Unicode");
            }
        }
    }

    // ---- reading ----

    private int at(int i) {
        return i < src.length ? src[i] & 0xFF : 0;
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isWordChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || isDigit(c);
    }

    private static boolean isHex(int c) {
        return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** Skips spaces, tabs and {@code #} comments, and line breaks where {@code newlines}. */
    private int space(int p, boolean newlines) {
        while (true) {
            int c = at(p);
            if (c == ' ' || c == '\t' || (newlines && (c == '\r' || c == '\n'))) {
                p++;
            } else if (c == '#') {
                while (at(p) != 0 && at(p) != '\r' && at(p) != '\n') {
                    p++;
                }
            } else {
                return p;
            }
        }
    }

    private int name(int p) {
        int q = p;
        while (isWordChar(at(q))) {
            q++;
        }
        if (q == p) {
            String reason = "expected a rule name (letters, digits and '-')";
            if (at(p) == '|') {
                reason += "; an alternative can go on the next line only inside parentheses";
            } else if (at(p) == ':') {
                reason += " before '::='";
            }
            throw fail(p, reason);
        }
        return q;
    }

    private String string(int from, int to) {
        return new String(src, from, to - from, StandardCharsets.UTF_8);
    }

    /** One character of a literal or class, plain or escaped; returns the position after it. */
    private int character(int p) {
        int c = at(p);
        if (c == '\\') {
            int e = at(p + 1);
            switch (e) {
                case 'x':
                    return hex(p, 2);
                case 'u':
                    return hex(p, 4);
                case 'U':
                    return hex(p, 8);
                case 't', 'r', 'n', '\\', '"', '[', ']':
                    return p + 2;
                case 0:
                    throw fail(p, "a backslash at the end of the grammar");
                default:
                    throw fail(p, "unknown escape '\\" + string(p + 1, p + 1 + utf8Length(e))
                            + "' (known: \\xHH, \\uHHHH, \\UHHHHHHHH, \\t, \\r, \\n, \\\\, \\\", \\[, \\])");
            }
        }
        if (c == 0) {
            throw fail(p, "unexpected end of the grammar");
        }
        int q = p + 1;
        for (int end = p + utf8Length(c); q < end && at(q) != 0; q++) {
            // continuation bytes
        }
        return q;
    }

    private static int utf8Length(int first) {
        return switch (first >> 4) {
            case 0xC, 0xD -> 2;
            case 0xE -> 3;
            case 0xF -> 4;
            default -> 1;
        };
    }

    private int hex(int p, int digits) {
        for (int i = 0; i < digits; i++) {
            if (!isHex(at(p + 2 + i))) {
                throw fail(p, "expected " + digits + " hex digits after '\\" + (char) at(p + 1) + "'");
            }
        }
        return p + 2 + digits;
    }

    private int rule(int start) {
        int nameEnd = name(start);
        String name = string(start, nameEnd);
        int p = space(nameEnd, false);
        int id = symbol(name);
        if (!(at(p) == ':' && at(p + 1) == ':' && at(p + 2) == '=')) {
            throw fail(p, "expected '::=' after the rule name '" + name + "'"
                    + (at(p) == '\r' || at(p) == '\n' ? " on the same line" : ""));
        }
        definition.put(name, start);
        p = space(p + 3, true);
        p = alternates(p, name, id, false);
        if (at(p) == '\r') {
            p += at(p + 1) == '\n' ? 2 : 1;
        } else if (at(p) == '\n') {
            p++;
        } else if (at(p) != 0) {
            String reason = at(p) == ')' ? "')' without a matching '('"
                    : "expected a string, a character class, a rule name, '(', '.', a repetition, '|' or the end of"
                    + " the line in rule '" + name + "'";
            throw fail(p, reason);
        }
        return space(p, true);
    }

    private int alternates(int p, String ruleName, int id, boolean nested) {
        IntList rule = new IntList();
        p = sequence(p, ruleName, rule, nested);
        while (at(p) == '|') {
            rule.add(ALT);
            p = space(p + 1, true);
            p = sequence(p, ruleName, rule, nested);
        }
        rule.add(END);
        define(id, rule.toArray());
        return p;
    }

    private int sequence(int p, String ruleName, IntList rule, boolean nested) {
        int lastStart = rule.size();
        while (true) {
            int c = at(p);
            if (c == '"') {
                int open = p++;
                lastStart = rule.size();
                boolean any = false;
                while (at(p) != '"') {
                    if (at(p) == 0) {
                        throw fail(open, "unterminated string: no closing '\"'");
                    }
                    p = character(p);
                    any = true;
                }
                if (any) {
                    rule.add(TERMINAL);
                }
                p = space(p + 1, nested);
            } else if (c == '[') {
                int open = p++;
                if (at(p) == '^') {
                    p++;
                }
                lastStart = rule.size();
                boolean any = false;
                while (at(p) != ']') {
                    if (at(p) == 0) {
                        throw fail(open, "unterminated character class: no closing ']'");
                    }
                    p = character(p);
                    any = true;
                    if (at(p) == '-' && at(p + 1) != ']') {
                        if (at(p + 1) == 0) {
                            throw fail(open, "unterminated character class: no closing ']'");
                        }
                        p = character(p + 1);
                    }
                }
                if (any) {
                    rule.add(TERMINAL);
                }
                p = space(p + 1, nested);
            } else if (isWordChar(c)) {
                int end = name(p);
                int id = symbol(string(p, end));
                firstReference.putIfAbsent(id, p);
                p = space(end, nested);
                lastStart = rule.size();
                rule.add(id);
            } else if (c == '(') {
                int open = p;
                if (++groupDepth > MAX_GROUP_DEPTH) {
                    throw fail(open, "groups nested more than " + MAX_GROUP_DEPTH + " deep: llama.cpp's parser would"
                            + " overflow its stack");
                }
                p = space(p + 1, true);
                int id = generatedSymbol(ruleName);
                p = alternates(p, ruleName, id, true);
                groupDepth--;
                lastStart = rule.size();
                rule.add(id);
                if (at(p) != ')') {
                    throw fail(p, "expected ')' to close the group opened at " + position(open));
                }
                p = space(p + 1, nested);
            } else if (c == '.') {
                lastStart = rule.size();
                rule.add(TERMINAL);
                p = space(p + 1, nested);
            } else if (c == '*' || c == '+' || c == '?') {
                int op = p;
                p = space(p + 1, nested);
                repeat(op, ruleName, rule, lastStart, c == '+' ? 1 : 0, c == '?' ? 1 : -1);
            } else if (c == '{') {
                int op = p;
                p = space(p + 1, nested);
                if (!isDigit(at(p))) {
                    throw fail(p, "expected a number after '{'");
                }
                int end = digits(p);
                int min = bound(p, end);
                p = space(end, nested);
                int max = -1;
                if (at(p) == '}') {
                    max = min;
                    p = space(p + 1, nested);
                } else if (at(p) == ',') {
                    p = space(p + 1, nested);
                    if (isDigit(at(p))) {
                        end = digits(p);
                        max = bound(p, end);
                        p = space(end, nested);
                    }
                    if (at(p) != '}') {
                        throw fail(p, "expected '}' to close the repetition opened at " + position(op));
                    }
                    p = space(p + 1, nested);
                } else {
                    throw fail(p, "expected ',' or '}' in the repetition opened at " + position(op));
                }
                repeat(op, ruleName, rule, lastStart, min, max);
            } else {
                return p;
            }
        }
    }

    private int digits(int p) {
        while (isDigit(at(p))) {
            p++;
        }
        return p;
    }

    private int bound(int from, int to) {
        int p = from;
        while (p < to - 1 && at(p) == '0') {
            p++;
        }
        if (to - p > 5 || Integer.parseInt(string(p, to)) > MAX_REPETITION) {
            throw fail(from, "repetition bound " + string(from, to) + " is over the limit of " + MAX_REPETITION);
        }
        return Integer.parseInt(string(p, to));
    }

    /**
     * Applies a repetition to the last item of {@code rule} as llama.cpp does: {@code S{m,n}} becomes m copies of
     * S and then a chain of n-m rules {@code S' ::= S S'' |}, {@code S{m,}} m copies and {@code S' ::= S S' |}.
     */
    private void repeat(int op, String ruleName, IntList rule, int lastStart, int min, int max) {
        if (lastStart == rule.size()) {
            throw fail(op, "'" + (char) at(op) + "' has nothing before it to repeat");
        }
        int[] item = rule.slice(lastStart, rule.size());
        if (min == 0) {
            rule.truncate(lastStart);
        } else {
            grow((long) item.length * (min - 1));
            for (int i = 1; i < min; i++) {
                rule.addAll(item);
            }
        }
        int optional = max < 0 ? 1 : max - min;
        int last = 0;
        for (int i = 0; i < optional; i++) {
            int id = generatedSymbol(ruleName);
            IntList rec = new IntList();
            rec.addAll(item);
            if (i > 0 || max < 0) {
                rec.add(max < 0 ? id : last);
            }
            rec.add(ALT);
            rec.add(END);
            define(id, rec.toArray());
            last = id;
        }
        if (optional > 0) {
            rule.add(last);
        }
    }

    private void grow(long more) {
        elements += more;
        if (elements > MAX_ELEMENTS) {
            throw whole("the grammar expands to more than " + MAX_ELEMENTS + " elements (repetitions are expanded"
                    + " into copies and rules)");
        }
    }

    // ---- the symbol table ----

    private int symbol(String name) {
        Integer id = symbols.get(name);
        if (id == null) {
            id = symbols.size();
            symbols.put(name, id);
            names.add(name);
            generated.add(false);
        }
        return id;
    }

    /** A rule for a group or repetition inside {@code base}; its name cannot clash, as '_' is not a name character. */
    private int generatedSymbol(String base) {
        int id = symbols.size();
        symbols.put(base + '_' + id, id);
        names.add(base);
        generated.add(true);
        return id;
    }

    private void define(int id, int[] rule) {
        grow(rule.length);
        while (rules.size() <= id) {
            rules.add(null);
        }
        rules.set(id, rule);
    }

    // ---- whole-grammar checks ----

    private void checkDefined() {
        // llama.cpp refuses a gap in its rule table (a name used and not defined below the highest defined id) and
        // any reference to a rule that is not defined.
        int worst = -1;
        for (int id = 0; id < symbols.size(); id++) {
            boolean undefined = id >= rules.size() || rules.get(id) == null;
            if (undefined && (id < rules.size() || isReferenced(id))) {
                if (worst < 0 || offsetOf(id) < offsetOf(worst)) {
                    worst = id;
                }
            }
        }
        if (worst >= 0) {
            String reason = "undefined rule '" + names.get(worst) + "'";
            Integer at = firstReference.get(worst);
            throw at == null ? whole(reason) : fail(at, reason);
        }
    }

    private int offsetOf(int id) {
        return firstReference.getOrDefault(id, Integer.MAX_VALUE);
    }

    private boolean isReferenced(int id) {
        for (int[] rule : rules) {
            if (rule != null) {
                for (int e : rule) {
                    if (e == id) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private void checkLeftRecursion() {
        int n = rules.size();
        // llama.cpp looks past a leading reference only to a rule with an empty alternative of its own.
        boolean[] emptyAlternative = new boolean[n];
        for (int id = 0; id < n; id++) {
            boolean atStart = true;
            for (int e : rules.get(id)) {
                if (e == ALT || e == END) {
                    if (atStart) {
                        emptyAlternative[id] = true;
                        break;
                    }
                    atStart = true;
                } else {
                    atStart = false;
                }
            }
        }
        List<Integer> cycle = findCycle(emptyAlternative);
        if (cycle != null) {
            throw recursion(cycle, "");
        }
        // Every rule that can match the empty string, directly or through other rules.
        boolean[] nullable = emptyAlternative.clone();
        for (boolean changed = true; changed;) {
            changed = false;
            for (int id = 0; id < n; id++) {
                if (!nullable[id] && hasNullableAlternative(rules.get(id), nullable)) {
                    nullable[id] = true;
                    changed = true;
                }
            }
        }
        cycle = findCycle(nullable);
        if (cycle != null) {
            throw recursion(cycle, " (through a rule that can match the empty string; llama.cpp does not detect"
                    + " this one and would recurse without end)");
        }
        checkStartDepth(leftEdges(nullable));
    }

    /**
     * llama.cpp finds the characters a rule can start with by recursing through the rules it can begin with (past
     * those that can match the empty string); a chain of thousands of them overflows the native stack, and
     * chains of empty-matching rules (such as {@code ("a" | ){0,3000}}) also take cubic time.
     */
    private void checkStartDepth(int[][] edges) {
        int n = edges.length;
        int[] depth = new int[n]; // 0: not computed; else the longest chain of left edges from the rule, plus 1
        int[] path = new int[n];
        int[] next = new int[n];
        for (int start = 0; start < n; start++) {
            if (depth[start] != 0) {
                continue;
            }
            int top = 0;
            path[0] = start;
            next[0] = 0;
            while (top >= 0) {
                int id = path[top];
                if (next[top] < edges[id].length) {
                    int to = edges[id][next[top]++];
                    if (depth[to] == 0) {
                        top++;
                        path[top] = to;
                        next[top] = 0;
                    }
                } else {
                    int d = 1;
                    for (int to : edges[id]) {
                        d = Math.max(d, depth[to] + 1);
                    }
                    depth[id] = d;
                    top--;
                }
            }
        }
        int deepest = 0;
        for (int id = 1; id < n; id++) {
            if (depth[id] > depth[deepest]) {
                deepest = id;
            }
        }
        if (n > 0 && depth[deepest] > MAX_START_DEPTH) {
            String name = names.get(deepest);
            String reason = "rule '" + name + "' starts a chain of " + depth[deepest] + " rules, each able to begin"
                    + " with the next (over the limit of " + MAX_START_DEPTH + "): llama.cpp would exhaust its stack"
                    + " or take very long";
            Integer at = definition.get(name);
            throw at == null ? whole(reason) : fail(at, reason);
        }
    }

    private static boolean hasNullableAlternative(int[] rule, boolean[] nullable) {
        boolean ok = true;
        for (int e : rule) {
            if (e == ALT || e == END) {
                if (ok) {
                    return true;
                }
                ok = true;
            } else if (e < 0 || !nullable[e]) {
                ok = false;
            }
        }
        return false;
    }

    /** The rules each rule can begin with: leading references, looking past those to {@code skippable} rules. */
    private int[][] leftEdges(boolean[] skippable) {
        int n = rules.size();
        int[][] edges = new int[n][];
        for (int id = 0; id < n; id++) {
            IntList out = new IntList();
            boolean leading = true;
            for (int e : rules.get(id)) {
                if (e >= 0 && leading) {
                    out.add(e);
                    leading = skippable[e];
                } else {
                    leading = e == ALT || e == END;
                }
            }
            edges[id] = out.toArray();
        }
        return edges;
    }

    /** A cycle of left edges, as the list of rule ids along it, or null. */
    private List<Integer> findCycle(boolean[] skippable) {
        int[][] edges = leftEdges(skippable);
        int n = edges.length;
        byte[] color = new byte[n]; // 0 unseen, 1 on the path, 2 done
        int[] path = new int[n];
        int[] next = new int[n];
        for (int startId = 0; startId < n; startId++) {
            if (color[startId] != 0) {
                continue;
            }
            int depth = 0;
            path[0] = startId;
            next[0] = 0;
            color[startId] = 1;
            while (depth >= 0) {
                int id = path[depth];
                if (next[depth] < edges[id].length) {
                    int to = edges[id][next[depth]++];
                    if (color[to] == 1) {
                        List<Integer> cycle = new ArrayList<>();
                        int from = depth;
                        while (path[from] != to) {
                            from--;
                        }
                        for (int i = from; i <= depth; i++) {
                            cycle.add(path[i]);
                        }
                        cycle.add(to);
                        return cycle;
                    }
                    if (color[to] == 0) {
                        color[to] = 1;
                        depth++;
                        path[depth] = to;
                        next[depth] = 0;
                    }
                } else {
                    color[id] = 2;
                    depth--;
                }
            }
        }
        return null;
    }

    private InvalidGrammarException recursion(List<Integer> cycle, String note) {
        List<String> steps = new ArrayList<>();
        for (int id : cycle) {
            String name = names.get(id);
            if (steps.isEmpty() || !steps.getLast().equals(name)) {
                steps.add(name);
            }
        }
        String first = steps.getFirst();
        boolean onlyGenerated = cycle.stream().allMatch(generated::get);
        String reason = onlyGenerated
                ? "rule '" + first + "' is left-recursive: it repeats something that can match the empty string"
                        + " (such as \"a\"** or (\"a\"?)+)" + note
                : "rule '" + first + "' is left-recursive: "
                        + (steps.size() == 1 ? "it can begin with itself" : String.join(" -> ", steps)) + note;
        Integer at = definition.get(first);
        return at == null ? whole(reason) : fail(at, reason);
    }

    // ---- errors ----

    private InvalidGrammarException whole(String reason) {
        return new InvalidGrammarException(reason, reason, 0, 0);
    }

    private InvalidGrammarException fail(int offset, String reason) {
        int[] lc = lineAndColumn(offset);
        String found;
        if (offset >= src.length) {
            found = "the end of the grammar";
        } else {
            int end = offset;
            int chars = 0;
            while (end < src.length && src[end] != '\n' && src[end] != '\r' && chars < 24) {
                end += utf8Length(src[end] & 0xFF);
                chars++;
            }
            end = Math.min(end, src.length);
            boolean more = end < src.length && src[end] != '\n' && src[end] != '\r';
            found = end == offset ? "the end of the line" : "'" + string(offset, end) + (more ? "...'" : "'");
        }
        return new InvalidGrammarException("line " + lc[0] + ", column " + lc[1] + ": " + reason + "; found " + found,
                reason, lc[0], lc[1]);
    }

    private InvalidGrammarException failAtChar(int charIndex, String reason) {
        int line = 1;
        int column = 1;
        for (int i = 0; i < charIndex; i++) {
            char c = text.charAt(i);
            if (c == '\n' || (c == '\r' && (i + 1 >= text.length() || text.charAt(i + 1) != '\n'))) {
                line++;
                column = 1;
            } else if (c != '\r' && !Character.isLowSurrogate(c)) {
                column++;
            }
        }
        return new InvalidGrammarException("line " + line + ", column " + column + ": " + reason, reason, line, column);
    }

    private String position(int offset) {
        int[] lc = lineAndColumn(offset);
        return "line " + lc[0] + ", column " + lc[1];
    }

    private int[] lineAndColumn(int offset) {
        int line = 1;
        int column = 1;
        for (int i = 0; i < offset && i < src.length; i++) {
            int b = src[i] & 0xFF;
            if (b == '\n' || (b == '\r' && at(i + 1) != '\n')) {
                line++;
                column = 1;
            } else if (b != '\r' && (b & 0xC0) != 0x80) {
                column++;
            }
        }
        return new int[] {line, column};
    }

    /** A growable int array. */
    private static final class IntList {
        private int[] values = new int[8];
        private int size;

        void add(int v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        void addAll(int[] vs) {
            if (size + vs.length > values.length) {
                values = Arrays.copyOf(values, Math.max(size + vs.length, size * 2));
            }
            System.arraycopy(vs, 0, values, size, vs.length);
            size += vs.length;
        }

        int size() {
            return size;
        }

        void truncate(int newSize) {
            size = newSize;
        }

        int[] slice(int from, int to) {
            return Arrays.copyOfRange(values, from, to);
        }

        int[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }
}
