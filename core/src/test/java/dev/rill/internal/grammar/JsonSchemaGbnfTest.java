package dev.rill.internal.grammar;

import dev.rill.Grammar.InvalidGrammarException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class JsonSchemaGbnfTest {
    @Test
    void everySupportedFormGivesAValidGrammar() {
        for (String schema : GbnfCorpus.SCHEMAS) {
            for (boolean compact : new boolean[] {true, false}) {
                String gbnf = JsonSchemaGbnf.convert(schema, compact);
                try {
                    GbnfValidator.validate(gbnf);
                } catch (InvalidGrammarException e) {
                    throw new AssertionError(schema + "\n" + gbnf + "\n" + e.getMessage(), e);
                }
            }
        }
    }

    @Test
    void anEnumBecomesItsAlternatives() {
        assertEquals("""
                root ::= value
                value ::= ("\\"abc\\"" | "\\"xyz\\"") ws
                ws ::= | " "
                """, JsonSchemaGbnf.convert("{\"type\":\"string\",\"enum\":[\"abc\",\"xyz\"]}"));
    }

    @Test
    void indentedOutputAllowsLineBreaksAndIndentsAsLlamaCppDoes() {
        assertEquals("""
                root ::= value
                value ::= ("\\"abc\\"" | "\\"xyz\\"") ws
                ws ::= | " " | "\\n"{1,2} [ \\t]{0,20}
                """, JsonSchemaGbnf.convert("{\"type\":\"string\",\"enum\":[\"abc\",\"xyz\"]}", false));
    }

    @Test
    void requiredPropertiesComeFirstInOrderThenAnyOptionalOnes() {
        String gbnf = JsonSchemaGbnf.convert("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},"
                + "\"b\":{\"type\":\"boolean\"},\"c\":{\"type\":\"null\"}},\"required\":[\"b\"]}");
        assertTrue(gbnf.contains("value ::= \"{\" ws b-kv (\",\" ws a-kv)? (\",\" ws c-kv)? \"}\" ws\n"), gbnf);
        assertTrue(gbnf.contains("b-kv ::= \"\\\"b\\\"\" ws \":\" ws json-boolean\n"), gbnf);
        String optional = JsonSchemaGbnf.convert("{\"properties\":{\"a\":{},\"b\":{},\"c\":{}}}");
        assertTrue(optional.contains("value ::= \"{\" ws (a-kv rest-2 | b-kv rest | c-kv)? \"}\" ws\n"), optional);
        assertTrue(optional.contains("rest ::= (\",\" ws c-kv)?\n"), optional);
        assertTrue(optional.contains("rest-2 ::= (\",\" ws b-kv)? rest\n"), optional);
    }

    @Test
    void arrayBoundsBecomeRepetitions() {
        String gbnf = JsonSchemaGbnf.convert("{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"minItems\":2,"
                + "\"maxItems\":4}");
        assertTrue(gbnf.contains("value ::= \"[\" ws json-integer (\",\" ws json-integer){1,3} \"]\" ws\n"), gbnf);
        gbnf = JsonSchemaGbnf.convert("{\"type\":\"array\",\"items\":{\"type\":\"integer\"}}");
        assertTrue(gbnf.contains("value ::= \"[\" ws (json-integer (\",\" ws json-integer)*)? \"]\" ws\n"), gbnf);
        gbnf = JsonSchemaGbnf.convert("{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"maxItems\":1}");
        assertTrue(gbnf.contains("value ::= \"[\" ws (json-integer)? \"]\" ws\n"), gbnf);
    }

    private static void assertRejected(String schema, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JsonSchemaGbnf.convert(schema));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }

    @Test
    void unsupportedKeywordsAreNamedWithTheirPath() {
        assertRejected("{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"pattern\":\"^a$\"}}}",
                "JSON schema at #/properties/name: unsupported keyword 'pattern'");
        assertRejected("{\"type\":\"array\",\"items\":{\"type\":\"integer\",\"minimum\":3}}",
                "JSON schema at #/items: unsupported keyword 'minimum'");
        assertRejected("{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"integer\",\"format\":\"int32\"}]}",
                "JSON schema at #/anyOf/1: unsupported keyword 'format'");
        assertRejected("{\"$ref\":\"https://example.com/s.json\"}",
                "JSON schema at #/$ref: only local references");
        assertRejected("{\"$ref\":\"#/$defs/missing\"}", "JSON schema at #/$ref: the reference #/$defs/missing points to nothing");
        assertRejected("{\"type\":\"text\"}", "JSON schema at #/type: unknown type \"text\"");
        assertRejected("{\"type\":\"integer\",\"minLength\":2}", "JSON schema at #: 'minLength' applies to type string, not integer");
        assertRejected("{\"type\":\"object\",\"properties\":{\"a\":{}},\"required\":[\"b\"]}",
                "JSON schema at #/required: required property 'b' is not in properties");
        assertRejected("{\"type\":\"object\",\"properties\":{\"a\":{}},\"additionalProperties\":true}",
                "JSON schema at #/additionalProperties: additionalProperties other than false together with properties");
        assertRejected("{\"type\":\"array\",\"minItems\":3,\"maxItems\":2}", "JSON schema at #: maxItems 2 is below minItems 3");
        assertRejected("{\"type\":\"array\",\"items\":[{}]}", "JSON schema at #/items: an array of item schemas");
        assertRejected("{\"type\":\"string\",\"maxLength\":-1}", "JSON schema at #/maxLength: expected an integer from 0");
        assertRejected("false", "JSON schema at #: the schema false allows no value");
        assertRejected("{\"a\":", "the JSON schema is not valid JSON");
        assertRejected("{\"properties\":{\"a/b\":{\"not\":{}}}}", "JSON schema at #/properties/a~1b: unsupported keyword 'not'");
    }

    @Test
    void anUnpairedSurrogateIsRefusedInsteadOfMakingAGrammarNoTextMatches() {
        // The converter wrote the surrogate into a literal; the grammar was then refused by the validator.
        String message = "the JSON schema holds a string with an unpaired UTF-16 surrogate (U+D800)";
        assertRejected("{\"const\":\"\\ud800\"}", message);
        assertRejected("{\"enum\":[\"a\\ud800b\"]}", message);
        assertRejected("{\"properties\":{\"\\ud800\":{}}}", message);
        assertEquals("root ::= value\nvalue ::= \"\\\"\uD83D\uDE00\\\"\" ws\nws ::= | \" \"\n",
                JsonSchemaGbnf.convert("{\"const\":\"\\ud83d\\ude00\"}"), "a paired one is a character");
    }

    @Test
    void aSchemaThatRefersBackToItselfBeforeAnyTextIsRefused() {
        // {"$ref": "#"} became "schema ::= schema", a grammar the validator refuses as left-recursive.
        String message = "the JSON schema refers back to itself before any text is matched";
        assertRejected("{\"$ref\":\"#\"}", message);
        assertRejected("{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/a\"}},\"$ref\":\"#/$defs/a\"}", message);
        assertRejected("{\"anyOf\":[{\"$ref\":\"#\"},{\"type\":\"null\"}]}", message);
        GbnfValidator.validate(JsonSchemaGbnf.convert("{\"type\":\"array\",\"items\":{\"$ref\":\"#\"}}"));
    }
}
