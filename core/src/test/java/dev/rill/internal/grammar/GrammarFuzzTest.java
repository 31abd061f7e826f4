package dev.rill.internal.grammar;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.rill.Grammar.InvalidGrammarException;
import java.nio.charset.StandardCharsets;

/**
 * Fuzz targets for the grammar parsers: {@link GbnfValidator} accepts a grammar or throws
 * {@link InvalidGrammarException}; {@link JsonSchemaGbnf} returns a grammar that the validator accepts, or throws
 * {@link IllegalArgumentException}. Never another exception, a stack overflow, a hang or memory out of proportion
 * to the input. Without {@code JAZZER_FUZZ} JUnit runs the seeds ({@code GrammarFuzzTestInputs/<target>/}, written
 * by {@link GrammarFuzzSeeds} from {@link GbnfCorpus}) and the findings kept there; {@code tools/fuzz} fuzzes.
 */
class GrammarFuzzTest {
    /**
     * The grammar text. Bytes are read as UTF-8, except that an input starting with byte 1 is read as raw UTF-16
     * code units (two bytes each, little-endian), which reaches unpaired surrogates and NUL that UTF-8 text would
     * not carry.
     */
    static String text(byte[] bytes) {
        if (bytes.length > 0 && bytes[0] == 1) {
            char[] chars = new char[(bytes.length - 1) / 2];
            for (int i = 0; i < chars.length; i++) {
                chars[i] = (char) ((bytes[1 + 2 * i] & 0xFF) | (bytes[2 + 2 * i] & 0xFF) << 8);
            }
            return new String(chars);
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @FuzzTest
    void gbnfValidator(byte[] bytes) {
        String gbnf = text(bytes);
        try {
            GbnfValidator.validate(gbnf);
        } catch (InvalidGrammarException expected) {
            if (expected.getMessage() == null || expected.getMessage().isEmpty()) {
                throw new AssertionError("a refusal without a reason", expected);
            }
        }
    }

    @FuzzTest
    void jsonSchemaGbnf(byte[] bytes) {
        String schema = text(bytes);
        for (boolean compact : new boolean[] {true, false}) {
            String gbnf;
            try {
                gbnf = JsonSchemaGbnf.convert(schema, compact);
            } catch (InvalidGrammarException e) {
                throw new AssertionError("the converter threw the validator's exception", e);
            } catch (IllegalArgumentException expected) {
                return;
            }
            try {
                GbnfValidator.validate(gbnf);
            } catch (InvalidGrammarException e) {
                throw new AssertionError("the schema " + schema + " converted to a grammar the validator refuses: "
                        + e.getMessage() + "\n" + gbnf, e);
            }
        }
    }
}
