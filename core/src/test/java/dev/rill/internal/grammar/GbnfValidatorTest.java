package dev.rill.internal.grammar;

import dev.rill.Grammar.InvalidGrammarException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GbnfValidatorTest {
    @Test
    void theCorpusGetsItsVerdicts() {
        List<String> wrong = new ArrayList<>();
        for (GbnfCorpus.Case c : GbnfCorpus.CASES) {
            String outcome;
            try {
                GbnfValidator.validate(c.gbnf());
                outcome = "accepted";
            } catch (InvalidGrammarException e) {
                outcome = "refused: " + e.getMessage();
            }
            if (outcome.equals("accepted") != c.valid()) {
                wrong.add(c.name() + " -> " + outcome);
            }
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
        assertTrue(GbnfCorpus.CASES.size() >= 40);
    }

    private static InvalidGrammarException refuse(String gbnf) {
        return assertThrows(InvalidGrammarException.class, () -> GbnfValidator.validate(gbnf));
    }

    private static void assertRefused(String gbnf, int line, int column, String message) {
        InvalidGrammarException e = refuse(gbnf);
        assertEquals(message, e.getMessage());
        assertEquals(line, e.line(), e.getMessage());
        assertEquals(column, e.column(), e.getMessage());
    }

    @Test
    void syntaxErrorsSayWhereWhatAndWhatWasFound() {
        assertRefused("root ::= x\nx ::= \"abc", 2, 7, "line 2, column 7: unterminated string: no closing '\"'; found '\"abc'");
        assertRefused("root ::= ( \"a\"", 1, 15,
                "line 1, column 15: expected ')' to close the group opened at line 1, column 10; found the end of the grammar");
        assertRefused("root ::= [a-z", 1, 10, "line 1, column 10: unterminated character class: no closing ']'; found '[a-z'");
        assertRefused("root ::= \"\\q\"", 1, 11, "line 1, column 11: unknown escape '\\q' (known: \\xHH, \\uHHHH,"
                + " \\UHHHHHHHH, \\t, \\r, \\n, \\\\, \\\", \\[, \\]); found '\\q\"'");
        assertRefused("root ::= \"\\x4\"", 1, 11, "line 1, column 11: expected 2 hex digits after '\\x'; found '\\x4\"'");
        assertRefused("root ::= \"a\"\n| \"b\"", 2, 1, "line 2, column 1: expected a rule name (letters, digits and '-');"
                + " an alternative can go on the next line only inside parentheses; found '| \"b\"'");
        assertRefused("root = \"a\"", 1, 6, "line 1, column 6: expected '::=' after the rule name 'root'; found '= \"a\"'");
        assertRefused("root ::= *\"a\"", 1, 10, "line 1, column 10: '*' has nothing before it to repeat; found '*\"a\"'");
        assertRefused("root ::= \"a\"{1,2", 1, 17,
                "line 1, column 17: expected '}' to close the repetition opened at line 1, column 13; found the end of the grammar");
        assertRefused("root ::= \"a\" )", 1, 14, "line 1, column 14: ')' without a matching '('; found ')'");
        assertRefused("root ::= \"a\"{20000}", 1, 14, "line 1, column 14: repetition bound 20000 is over the limit of 10000; found '20000}'");
    }

    @Test
    void columnsCountCodePointsAndLinesCountCrLf() {
        InvalidGrammarException e = refuse("# ü\r\nroot ::= \"日本\" \"\\z\"");
        assertEquals(2, e.line());
        assertEquals(16, e.column(), e.getMessage());
        e = refuse("root ::= \"😀\" [");
        assertEquals(14, e.column(), e.getMessage());
    }

    @Test
    void wholeGrammarProblems() {
        assertRefused("item ::= \"a\"", 0, 0, "the grammar has no rule named root, where generation starts");
        assertRefused("# only a comment", 0, 0, "the grammar defines no rule");
        assertRefused("root ::= a b\na ::= \"x\"", 1, 12, "line 1, column 12: undefined rule 'b'; found 'b'");
        assertRefused("root ::= \"a\" \u0000", 1, 14, "line 1, column 14: the grammar contains a NUL character, which would end it early");
        assertEquals("unpaired UTF-16 surrogate U+D800: the grammar is not valid Unicode", refuse("root ::= \"\uD800\"").reason());
    }

    @Test
    void leftRecursionNamesTheCycleInTheGrammarsOwnNames() {
        assertRefused("root ::= \"a\"\nexpr ::= expr \"+\" term | term\nterm ::= [0-9]", 2, 1,
                "line 2, column 1: rule 'expr' is left-recursive: it can begin with itself; found 'expr ::= expr \"+\" term |...'");
        InvalidGrammarException e = refuse("root ::= a \"x\"\na ::= (b)? \"y\"\nb ::= root");
        assertEquals("rule 'root' is left-recursive: root -> a -> b -> root", e.reason());
        e = refuse("root ::= \"a\"**");
        assertEquals("rule 'root' is left-recursive: it repeats something that can match the empty string (such as"
                + " \"a\"** or (\"a\"?)+)", e.reason());
        e = refuse("root ::= ws root | \"y\"\nws ::= [ ]*");
        assertTrue(e.reason().startsWith("rule 'root' is left-recursive: it can begin with itself (through a rule"
                + " that can match the empty string;"), e.reason());
    }

    private static String chain(int length, String link) {
        StringBuilder deep = new StringBuilder("root ::= r0\n");
        for (int i = 0; i < length; i++) {
            deep.append("r").append(i).append(" ::= ").append(link.replace("NEXT", "r" + (i + 1))).append('\n');
        }
        return deep.append("r").append(length).append(" ::= \"end\"\n").toString();
    }

    @Test
    void longChainsAtTheStartOfARuleAreRefused() {
        // llama.cpp b4916 crashes (stack overflow) on ("a" | ){0,10000} and takes minutes on a chain of 3,000
        // optional prefixes; it handles a chain of 1,000 in seconds.
        GbnfValidator.validate(chain(990, "\"a\"? NEXT"));
        GbnfValidator.validate(chain(990, "NEXT \"x\" | \"y\""));
        GbnfValidator.validate(chain(20_000, "\"a\" NEXT"));
        GbnfValidator.validate("root ::= (\"a\" | ){0,990}");
        GbnfValidator.validate("root ::= \"a\"{10000} \"b\"{0,10000} ([a-z] \"c\"?){0,10000}");
        InvalidGrammarException e = refuse(chain(3000, "\"a\"? NEXT"));
        assertTrue(e.reason().startsWith("rule 'root' starts a chain of 3002 rules, each able to begin with the next"
                + " (over the limit of 1000)"), e.reason());
        assertEquals(1, e.line());
        refuse(chain(1500, "NEXT \"x\" | \"y\""));
        refuse("root ::= (\"a\" | ){0,1200}");
    }

    @Test
    void largeGrammarsStayCheap() {
        InvalidGrammarException e = refuse("root ::= (\"a\"{10000}){10000}{10000}");
        assertTrue(e.reason().startsWith("the grammar expands to more than"), e.reason());
    }

    @Test
    void groupsNestedDeeperThanTheLimitAreRefusedInsteadOfOverflowingTheStack() throws InterruptedException {
        // 5,000 nested groups (10 KB of grammar) ended the parser with a StackOverflowError on a 1 MB stack.
        InvalidGrammarException e = refuse("root ::= \"a\" " + "(".repeat(5000) + "\"b\"" + ")".repeat(5000));
        assertEquals("groups nested more than 1000 deep: llama.cpp's parser would overflow its stack", e.reason());
        // Up to the limit, the answer comes on a thread of the JVM's default stack size (1 MB on 64-bit Linux).
        String atLimit = "root ::= \"a\" " + "(".repeat(GbnfValidator.MAX_GROUP_DEPTH) + "\"b\""
                + ")".repeat(GbnfValidator.MAX_GROUP_DEPTH);
        Throwable[] thrown = new Throwable[1];
        Thread small = new Thread(null, () -> {
            try {
                GbnfValidator.validate(atLimit);
            } catch (InvalidGrammarException expected) {
                // a verdict, whichever it is
            } catch (Throwable t) {
                thrown[0] = t;
            }
        }, "default-stack", 1024 * 1024);
        small.start();
        small.join();
        assertEquals(null, thrown[0], () -> "the validator threw " + thrown[0]);
    }
}
