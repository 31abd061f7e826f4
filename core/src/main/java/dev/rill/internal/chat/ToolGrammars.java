package dev.rill.internal.chat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rill.ChatFormat;
import dev.rill.ToolDefinition;
import dev.rill.internal.grammar.JsonSchemaGbnf;
import java.util.ArrayList;
import java.util.List;

/**
 * The GBNF grammar of one tool call in a format: the opening marker, the function's name (one of the tools
 * offered) and arguments that follow that tool's JSON schema, and the closing marker where the format has one.
 * The grammar starts with the text that triggers it, so a trigger found in the output is fed to it as is.
 */
final class ToolGrammars {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ToolGrammars() {
    }

    /**
     * The grammar of a call to one of {@code tools}, or null when there are none.
     *
     * @param nameForm for {@link ChatFormat#MISTRAL}: the {@code name[ARGS]{...}} form instead of the JSON array
     * @throws IllegalArgumentException when a tool's parameter schema uses a form the converter refuses
     */
    static String callGrammar(ChatFormat format, List<ToolDefinition> tools, boolean nameForm) {
        if (tools.isEmpty()) {
            return null;
        }
        StringBuilder rules = new StringBuilder();
        List<String> arguments = new ArrayList<>();
        for (int i = 0; i < tools.size(); i++) {
            ToolDefinition tool = tools.get(i);
            String gbnf;
            try {
                gbnf = JsonSchemaGbnf.convert(tool.parameters(), true);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the parameters of tool " + tool.name() + " cannot be turned into a "
                        + "grammar: " + e.getMessage(), e);
            }
            String prefix = "t" + i + "-";
            rules.append(prefix(gbnf, prefix));
            arguments.add(prefix + "root");
        }
        String argumentsKey = format == ChatFormat.LLAMA3 ? "parameters" : "arguments";
        StringBuilder call = new StringBuilder("call ::= \"{\" cws \"\\\"name\\\"\" cws \":\" cws (");
        StringBuilder named = new StringBuilder("named ::= ");
        StringBuilder recipient = new StringBuilder("recipient ::= ");
        for (int i = 0; i < tools.size(); i++) {
            String name = literal(quote(tools.get(i).name()));
            call.append(i == 0 ? " " : " | ").append(name).append(" cws \",\" cws ")
                    .append(literal("\"" + argumentsKey + "\"")).append(" cws \":\" cws ").append(arguments.get(i));
            named.append(i == 0 ? "" : " | ").append(literal(tools.get(i).name())).append(" \"[ARGS]\" ")
                    .append(arguments.get(i));
            recipient.append(i == 0 ? "" : " | ").append(literal(tools.get(i).name()))
                    .append(" header \"<|message|>\" ").append(arguments.get(i));
        }
        call.append(" ) cws \"}\"\n");
        String root = switch (format) {
            case HERMES -> "root ::= \"<tool_call>\" [ \\n]{0,2} call [ \\n]{0,2} \"</tool_call>\"\n";
            case LLAMA3 -> "root ::= \"<|python_tag|>\"? call\n";
            case MISTRAL -> nameForm ? "root ::= \"[TOOL_CALLS]\" named\n"
                    : "root ::= \"[TOOL_CALLS]\" \"[\" call (\",\" cws call)* \"]\"\n";
            case GENERIC -> "root ::= call\n";
            // The recipient, then the rest of the header (" <|constrain|>json", or "<|channel|>commentary json"
            // when the recipient came first), then the message: the arguments.
            case HARMONY -> "root ::= \"<|channel|>commentary \"? \"to=functions.\" recipient\n"
                    + "header ::= \"<|channel|>commentary\"? \" \"? \"<|constrain|>\"? \"json\"?\n";
        };
        String extra = format == ChatFormat.MISTRAL && nameForm ? named + "\n"
                : format == ChatFormat.HARMONY ? recipient + "\n" : "";
        return root + (format == ChatFormat.HARMONY ? "" : call.toString()) + extra + "cws ::= | \" \"\n" + rules;
    }

    private static String quote(String name) {
        try {
            return JSON.writeValueAsString(name);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A GBNF string literal for {@code text}. */
    static String literal(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\x%02X", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /** Renames every rule of {@code gbnf} (definitions and references) with {@code prefix}, leaving literals alone. */
    static String prefix(String gbnf, String prefix) {
        StringBuilder out = new StringBuilder(gbnf.length() + 256);
        int i = 0;
        int n = gbnf.length();
        while (i < n) {
            char c = gbnf.charAt(i);
            if (c == '"' || c == '[') {
                char end = c == '"' ? '"' : ']';
                int j = i + 1;
                while (j < n && gbnf.charAt(j) != end) {
                    j += gbnf.charAt(j) == '\\' ? 2 : 1;
                }
                out.append(gbnf, i, Math.min(n, j + 1));
                i = j + 1;
            } else if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
                int j = i;
                while (j < n && (Character.isLetterOrDigit(gbnf.charAt(j)) || gbnf.charAt(j) == '-'
                        || gbnf.charAt(j) == '_')) {
                    j++;
                }
                String word = gbnf.substring(i, j);
                boolean number = word.chars().allMatch(Character::isDigit);
                out.append(number ? word : prefix + word);
                i = j;
            } else if (c == '{') {
                int j = gbnf.indexOf('}', i);
                out.append(gbnf, i, j + 1); // a repetition count such as {0,16}
                i = j + 1;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }
}
