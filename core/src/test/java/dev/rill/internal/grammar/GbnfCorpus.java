package dev.rill.internal.grammar;

import java.util.List;

/**
 * Grammars with the verdicts of {@link GbnfValidator} and of llama.cpp b4916, shared by the validator's own test
 * and the differential test against llama.cpp ({@code dev.rill.GrammarTest}).
 */
public final class GbnfCorpus {
    private GbnfCorpus() {
    }

    /**
     * One grammar. {@code llama} is what llama.cpp b4916 does with it: {@link Llama#ACCEPTS}, {@link Llama#REFUSES}
     * or {@link Llama#CRASHES} (accepts it, then recurses without end: never hand it to llama.cpp).
     */
    public record Case(String name, String gbnf, boolean valid, Llama llama) {
        /** Whether the validator deliberately refuses a grammar llama.cpp accepts. */
        public boolean divergent() {
            return valid != (llama == Llama.ACCEPTS);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** llama.cpp's verdict on a grammar. */
    public enum Llama {
        ACCEPTS, REFUSES, CRASHES
    }

    private static Case valid(String name, String gbnf) {
        return new Case(name, gbnf, true, Llama.ACCEPTS);
    }

    private static Case invalid(String name, String gbnf) {
        return new Case(name, gbnf, false, Llama.REFUSES);
    }

    public static final List<Case> CASES = List.of(
            // ---- accepted: real-world shapes ----
            valid("json", """
                    # JSON, one value at the top
                    root   ::= value
                    value  ::= object | array | string | number | ("true" | "false" | "null") ws
                    object ::=
                      "{" ws (
                        string ":" ws value
                        ("," ws string ":" ws value)*
                      )? "}" ws
                    array  ::= "[" ws ( value ("," ws value)* )? "]" ws
                    string ::= "\\"" (
                        [^"\\\\\\x7F\\x00-\\x1F] |
                        "\\\\" (["\\\\/bfnrt] | "u" [0-9a-fA-F]{4}) # escapes
                      )* "\\"" ws
                    number ::= "-"? ([0-9] | [1-9] [0-9]{0,15}) ("." [0-9]+)? ([eE] [-+]? [0-9]+)? ws
                    ws ::= | " " | "\\n" [ \\t]{0,20}
                    """),
            valid("arithmetic", """
                    root  ::= (expr "=" ws term "\\n")+
                    expr  ::= term ([-+*/] term)*
                    term  ::= ident | num | "(" ws expr ")" ws
                    ident ::= [a-z] [a-z0-9_]* ws
                    num   ::= [0-9]+ ws
                    ws    ::= [ \\t\\n]*
                    """),
            valid("c-like", """
                    root ::= (declaration)*
                    declaration ::= dataType identifier "(" parameter? ")" "{" statement* "}"
                    dataType ::= "int" ws | "float" ws | "char" ws
                    identifier ::= [a-zA-Z_] [a-zA-Z_0-9]*
                    parameter ::= dataType identifier
                    statement ::=
                        ( dataType identifier ws "=" ws expression ";" ) |
                        ( "return" ws expression ";" ) |
                        ( "while" "(" condition ")" "{" statement* "}" )
                    condition ::= expression ("<" | "==" | ">") expression
                    expression ::= term (("+" | "-") term)*
                    term ::= factor(("*" | "/") factor)*
                    factor ::= identifier | [0-9]+ | "-" factor | "(" ws expression ws ")"
                    ws ::= ([ \\t\\n]+)
                    """),
            valid("chess", """
                    # moves in algebraic notation
                    root    ::= "1. " move " " move "\\n" ([1-9] [0-9]? ". " move " " move "\\n")+
                    move    ::= (pawn | piece | castle) [+#]?
                    piece   ::= [NBKQR] [a-h]? [1-8]? "x"? [a-h] [1-8]
                    pawn    ::= ([a-h] "x")? [a-h] [1-8] ("=" [NBKQR])?
                    castle  ::= "O-O" "-O"?
                    """),
            valid("list", """
                    root ::= item+
                    item ::= "- " [^\\r\\n\\x0b\\x0c\\x85\\u2028\\u2029]+ "\\n"
                    """),
            valid("japanese", """
                    root        ::= jp-char+ ([ \\t\\n] jp-char+)*
                    jp-char     ::= hiragana | katakana | punctuation | cjk
                    hiragana    ::= [ぁ-ゟ]
                    katakana    ::= [ァ-ヿ]
                    punctuation ::= [、-〾]
                    cjk         ::= [\\u4E00-\\u9FFF]
                    """),
            valid("yes or no", "root ::= \"yes\" | \"no\""),
            valid("empty alternative", "root ::= \"a\" | "),
            valid("empty class", "root ::= []"),
            valid("empty string", "root ::= \"\""),
            valid("repetition forms", "root ::= \"a\"{2} \"b\"{2,} \"c\"{0,3} \"d\"{ 1 , 4 } [0-9]{0,20} \"e\" {2}"),
            valid("upper bound below lower", "root ::= \"a\"{3,1}"),
            valid("stacked repetitions", "root ::= (\"c\" | \"d\")+? \"a\"{2}? \"e\"+{2}"),
            valid("comments and CRLF", "# head\r\nroot ::= a # after\r\n\r\na ::= \"x\" # tail\r\n# end"),
            valid("escapes", "root ::= \"\\x41\\u00e9\\U0001F600\\t\\r\\n\\\\\\\"\\[\\]\" [\\x00-\\x1F\\]\\[]"),
            valid("redefinition", "root ::= \"a\"\nroot ::= \"b\""),
            valid("names with digits and dashes", "root ::= a-1 B2 3c\na-1 ::= \"x\"\nB2 ::= \"y\"\n3c ::= \"z\""),
            valid("class edge characters", "root ::= [a-] [-a] [\\]] [^\"\\\\] [[] [\"]"),
            valid("right recursion", "root ::= \"a\" root | \"b\""),
            valid("nullable prefix without recursion", "root ::= ws \"x\" ws\nws ::= [ ]*"),
            valid("any character", "root ::= . .? \"end\""),
            valid("multi-line group", "root ::= (\n  \"a\"\n  | \"b\" # comment\n\n  | \"c\"\n)"),
            valid("no space before group", "root ::= x(\"a\")x\nx ::= \"-\""),
            // a rule referenced only by an overwritten definition, with an id above every defined rule
            valid("dangling name after redefinition", "root ::= a\na ::= b\na ::= \"x\""),
            valid("range with escapes", "root ::= [\\u0400-\\u04FF\\x30-\\x39_]+"),
            valid("tab separated", "root\t::=\t\"a\"\t|\t\"b\""),

            // ---- refused: syntax ----
            invalid("unterminated string", "root ::= \"abc"),
            invalid("unterminated string at end of line", "root ::= \"abc\nx ::= \"d\""),
            invalid("unterminated class", "root ::= [a-z"),
            invalid("unterminated range", "root ::= [a-"),
            invalid("unclosed group", "root ::= ( \"a\""),
            invalid("unbalanced close", "root ::= \"a\" )"),
            invalid("unknown escape", "root ::= \"\\q\""),
            invalid("short hex escape", "root ::= \"\\x4\""),
            invalid("non-hex unicode escape", "root ::= [\\u12G4]"),
            invalid("repetition of nothing", "root ::= *\"a\""),
            invalid("repetition after alternative", "root ::= \"a\" | +"),
            invalid("repetition of the empty string", "root ::= \"\"*"),
            invalid("repetition of zero copies", "root ::= \"a\"{0} *"),
            invalid("empty braces", "root ::= \"a\"{}"),
            invalid("missing lower bound", "root ::= \"a\"{,3}"),
            invalid("unclosed braces", "root ::= \"a\"{1,2"),
            invalid("space between bounds", "root ::= \"a\"{1 2}"),
            invalid("negative bound", "root ::= \"a\"{-1}"),
            invalid("bound too large for llama.cpp", "root ::= \"a\"{99999999999999999999999}"),
            invalid("missing ::=", "root = \"a\""),
            invalid("::= on the next line", "root\n::= \"a\""),
            invalid("alternative on the next line", "root ::= \"a\"\n| \"b\""),
            invalid("two rules on one line", "root ::= \"a\" b ::= \"c\""),
            invalid("underscore in a rule name", "my_rule ::= \"a\"\nroot ::= my_rule"),

            // ---- refused: whole grammar ----
            invalid("undefined rule", "root ::= undefined-rule"),
            invalid("undefined rule deep inside", "root ::= (\"a\" | (\"b\" missing)*)"),
            invalid("no root", "item ::= \"a\""),
            invalid("only a comment", "# nothing here\n"),
            invalid("gap left by a redefinition", "root ::= a\na ::= b\na ::= \"x\"\nc ::= \"y\""),
            invalid("direct left recursion", "root ::= root \"a\" | \"b\""),
            invalid("indirect left recursion", "root ::= a \"x\"\na ::= root \"y\" | \"z\""),
            invalid("left recursion past an empty alternative", "root ::= e root \"x\" | \"y\"\ne ::= | \"q\""),
            invalid("left recursion past an optional", "root ::= \"x\"? root | \"y\""),
            invalid("star of a star", "root ::= \"a\"**"),
            invalid("plus of an optional", "root ::= \"x\" \"b\"?+"),
            invalid("left recursion in an unused rule", "root ::= \"a\"\nb ::= b \"c\""),

            // ---- refused here, accepted by llama.cpp (documented divergences) ----
            new Case("left recursion past a star rule", "root ::= ws root | \"y\"\nws ::= [ ]*", false,
                    Llama.CRASHES),
            new Case("unused left recursion past a star rule", "root ::= \"a\"\nb ::= ws b\nws ::= \" \"*", false,
                    Llama.ACCEPTS),
            new Case("repetition bound over the limit", "root ::= \"a\"{10001}", false, Llama.ACCEPTS));

    /** Schemas of each supported form; each must convert to a grammar the validator (and llama.cpp) accepts. */
    public static final List<String> SCHEMAS = List.of(
            "{\"type\":\"string\",\"enum\":[\"abc\",\"xyz\"]}",
            "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":20},"
                    + "\"age\":{\"type\":\"integer\"},\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},"
                    + "\"maxItems\":3},\"score\":{\"type\":\"number\"}},\"required\":[\"name\",\"age\"],"
                    + "\"additionalProperties\":false}",
            "{\"properties\":{\"a\":{\"type\":\"boolean\"},\"b\":{\"type\":\"null\"},\"c\":{\"const\":42}}}",
            "{\"type\":\"array\",\"items\":{\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"string\"}]},"
                    + "\"minItems\":2,\"maxItems\":4}",
            "{\"type\":[\"string\",\"null\"]}",
            "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"title\":\"tree\","
                    + "\"$ref\":\"#/$defs/node\",\"$defs\":{\"node\":{\"type\":\"object\",\"properties\":"
                    + "{\"value\":{\"type\":\"integer\"},\"children\":{\"type\":\"array\",\"items\":"
                    + "{\"$ref\":\"#/$defs/node\"}}},\"required\":[\"value\"]}}}",
            "{\"oneOf\":[{\"const\":\"a\\\"b\\\\c\\n\"},{\"enum\":[1,2.5,true,null,[1],{\"k\":\"ü\"}]}]}",
            "{\"type\":\"object\",\"additionalProperties\":{\"type\":\"integer\"}}",
            "{\"type\":\"object\",\"additionalProperties\":false}",
            "{\"type\":\"object\"}",
            "{}",
            "true",
            "{\"type\":\"array\",\"minItems\":1}",
            "{\"type\":\"array\",\"maxItems\":0}",
            "{\"type\":\"string\",\"maxLength\":0}",
            "{\"definitions\":{\"id\":{\"type\":\"integer\"}},\"type\":\"object\",\"properties\":"
                    + "{\"x\":{\"$ref\":\"#/definitions/id\"},\"y\":{\"$ref\":\"#/definitions/id\"}}}");
}
