package dev.rill.internal.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.ChatFormat;
import dev.rill.ToolDefinition;
import dev.rill.internal.grammar.GbnfValidator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The call grammars of each format: valid GBNF, tools kept apart, literals untouched by the renaming. */
class ToolGrammarsTest {
    private static final List<ToolDefinition> TOOLS = List.of(
            new ToolDefinition("get_weather", "", "{\"type\": \"object\", \"properties\": {\"city\": {\"type\": "
                    + "\"string\"}, \"days\": {\"type\": \"integer\"}}, \"required\": [\"city\"]}"),
            new ToolDefinition("say \"hi\"", "", "{\"type\": \"object\", \"properties\": {\"to\": {\"enum\": "
                    + "[\"root\", \"ws\"]}}}"));

    @Test
    void everyFormatsGrammarIsValid() {
        for (ChatFormat format : ChatFormat.values()) {
            for (boolean nameForm : new boolean[] {false, true}) {
                String gbnf = ToolGrammars.callGrammar(format, TOOLS, nameForm);
                GbnfValidator.validate(gbnf);
                assertTrue(gbnf.startsWith("root ::= "), gbnf);
            }
        }
    }

    @Test
    void theGrammarStartsWithTheFormatsTrigger() {
        assertTrue(ToolGrammars.callGrammar(ChatFormat.HERMES, TOOLS, false).startsWith("root ::= \"<tool_call>\""));
        assertTrue(ToolGrammars.callGrammar(ChatFormat.MISTRAL, TOOLS, false).startsWith("root ::= \"[TOOL_CALLS]\" \"[\""));
        assertTrue(ToolGrammars.callGrammar(ChatFormat.MISTRAL, TOOLS, true).contains("\"get_weather\" \"[ARGS]\""));
        assertTrue(ToolGrammars.callGrammar(ChatFormat.LLAMA3, TOOLS, false).contains("\"\\\"parameters\\\"\""));
        assertTrue(ToolGrammars.callGrammar(ChatFormat.HARMONY, TOOLS, false).contains("\"to=functions.\" recipient"));
    }

    @Test
    void renamingLeavesLiteralsAndCountsAlone() {
        assertEquals("t0-root ::= \"root ws\" t0-ws [a-z]{0,16} t0-x-2\n",
                ToolGrammars.prefix("root ::= \"root ws\" ws [a-z]{0,16} x-2\n", "t0-"));
        assertEquals("\"say \\\"hi\\\"\"", ToolGrammars.literal("say \"hi\""));
    }

    @Test
    void aSchemaTheConverterRefusesNamesItsTool() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ToolGrammars.callGrammar(
                ChatFormat.HERMES, List.of(new ToolDefinition("f", "", "{\"type\": \"object\", \"not\": {}}")), false));
        assertTrue(e.getMessage().contains("tool f"), e.getMessage());
    }
}
