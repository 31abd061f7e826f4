package dev.rill.internal.jinja;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a template into text and the tokens of its tags, applying Jinja's whitespace rules as Hugging Face
 * configures them: {@code trim_blocks} (the first newline after a block or comment tag is removed),
 * {@code lstrip_blocks} (spaces and tabs before a block or comment tag on its own line are removed), {@code -} on
 * either side of a tag strips all whitespace on that side, {@code +} turns the two options off for that tag, and a
 * single trailing newline of the template is dropped ({@code keep_trailing_newline=False}).
 */
final class Lexer {
    enum Type { TEXT, VAR_BEGIN, VAR_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INT, FLOAT, OP, EOF }

    record Token(Type type, String value, int line) {
        boolean is(Type t, String v) {
            return type == t && value.equals(v);
        }

        boolean isName(String v) {
            return is(Type.NAME, v);
        }

        boolean isOp(String v) {
            return is(Type.OP, v);
        }

        @Override
        public String toString() {
            return switch (type) {
                case EOF -> "end of template";
                case VAR_END -> "end of print statement";
                case BLOCK_END -> "end of statement block";
                case STRING -> "string";
                default -> "'" + value + "'";
            };
        }
    }

    private static final String[] OPERATORS = {"//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<",
            ">", "=", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|", ";"};

    private final String source;
    private final List<Token> tokens = new ArrayList<>();
    private int pos;
    private int line = 1;

    private Lexer(String source) {
        this.source = source;
    }

    static List<Token> tokenize(String template) {
        String source = template.replace("\r\n", "\n").replace('\r', '\n');
        if (source.endsWith("\n")) {
            source = source.substring(0, source.length() - 1);
        }
        Lexer lexer = new Lexer(source);
        lexer.run();
        return lexer.tokens;
    }

    private void run() {
        int length = source.length();
        while (pos < length) {
            int start = nextTagStart(pos);
            if (start < 0) {
                emitText(source.substring(pos), false);
                pos = length;
                break;
            }
            char kind = source.charAt(start + 1);
            char sign = start + 2 < length ? source.charAt(start + 2) : 0;
            String text = source.substring(pos, start);
            if (sign == '-') {
                text = stripTrailingWhitespace(text);
            } else if (sign != '+' && kind != '{') {
                text = lstrip(text, pos);
            }
            emitText(text, true);
            line += count(source, pos, start, '\n');
            pos = start + 2 + (sign == '-' || sign == '+' ? 1 : 0);
            switch (kind) {
                case '#' -> comment(start);
                case '{' -> tag(Type.VAR_BEGIN, Type.VAR_END, "}}");
                default -> {
                    int tagLine = line;
                    int first = tokens.size();
                    tag(Type.BLOCK_BEGIN, Type.BLOCK_END, "%}");
                    if (tokens.size() == first + 3 && tokens.get(first + 1).isName("raw")) {
                        raw(tagLine);
                    }
                }
            }
        }
        tokens.add(new Token(Type.EOF, "", line));
    }

    private int nextTagStart(int from) {
        int i = from;
        while (true) {
            int open = source.indexOf('{', i);
            if (open < 0 || open + 1 >= source.length()) {
                return -1;
            }
            char c = source.charAt(open + 1);
            if (c == '{' || c == '%' || c == '#') {
                return open;
            }
            i = open + 1;
        }
    }

    private void emitText(String text, boolean beforeTag) {
        if (!text.isEmpty()) {
            tokens.add(new Token(Type.TEXT, text, line));
        }
        if (!beforeTag) {
            line += count(text, 0, text.length(), '\n');
        }
    }

    /** lstrip_blocks: the spaces between the line's start and the tag go when nothing else is between them. */
    private String lstrip(String text, int textStart) {
        int lineStart = text.lastIndexOf('\n') + 1;
        boolean lineStarting = textStart == 0 || source.charAt(textStart - 1) == '\n';
        if (lineStart == 0 && !lineStarting) {
            return text;
        }
        if (lineStart == text.length()) {
            return text;
        }
        for (int i = lineStart; i < text.length(); i++) {
            if (!isSpace(text.charAt(i))) {
                return text;
            }
        }
        return text.substring(0, lineStart);
    }

    private void comment(int start) {
        int end = source.indexOf("#}", pos);
        if (end < 0) {
            throw new JinjaException("missing end of comment tag", line);
        }
        boolean strip = source.charAt(end - 1) == '-' && end - 1 >= pos;
        boolean keep = source.charAt(end - 1) == '+' && end - 1 >= pos;
        line += count(source, start, end, '\n');
        pos = end + 2;
        afterTag(strip, keep, true);
    }

    private void raw(int tagLine) {
        int i = pos;
        while (true) {
            int open = source.indexOf("{%", i);
            if (open < 0) {
                throw new JinjaException("missing {% endraw %} for the raw block", tagLine);
            }
            int j = open + 2;
            boolean strip = j < source.length() && source.charAt(j) == '-';
            if (strip || (j < source.length() && source.charAt(j) == '+')) {
                j++;
            }
            while (j < source.length() && isSpace(source.charAt(j))) {
                j++;
            }
            if (source.startsWith("endraw", j)) {
                int k = j + 6;
                while (k < source.length() && isSpace(source.charAt(k))) {
                    k++;
                }
                boolean rstrip = k < source.length() && source.charAt(k) == '-';
                boolean keep = k < source.length() && source.charAt(k) == '+';
                if (rstrip || keep) {
                    k++;
                }
                if (source.startsWith("%}", k)) {
                    String text = source.substring(pos, open);
                    if (strip) {
                        text = stripTrailingWhitespace(text);
                    }
                    // The raw tag's own BLOCK_BEGIN, raw, BLOCK_END become one text token.
                    tokens.removeLast();
                    tokens.removeLast();
                    tokens.removeLast();
                    if (!text.isEmpty()) {
                        tokens.add(new Token(Type.TEXT, text, tagLine));
                    }
                    line += count(source, pos, k + 2, '\n');
                    pos = k + 2;
                    afterTag(rstrip, keep, true);
                    return;
                }
            }
            i = open + 2;
        }
    }

    private void tag(Type begin, Type end, String closing) {
        tokens.add(new Token(begin, "", line));
        int length = source.length();
        while (true) {
            while (pos < length && isSpace(source.charAt(pos))) {
                if (source.charAt(pos) == '\n') {
                    line++;
                }
                pos++;
            }
            if (pos >= length) {
                throw new JinjaException("unexpected end of template, expected '" + closing + "'", line);
            }
            char c = source.charAt(pos);
            if ((c == '-' || c == '+') && source.startsWith(closing, pos + 1)) {
                pos += 1 + closing.length();
                tokens.add(new Token(end, "", line));
                afterTag(c == '-', c == '+', end == Type.BLOCK_END);
                return;
            }
            if (source.startsWith(closing, pos)) {
                pos += closing.length();
                tokens.add(new Token(end, "", line));
                afterTag(false, false, end == Type.BLOCK_END);
                return;
            }
            if (Character.isLetter(c) || c == '_') {
                int s = pos;
                while (pos < length && (Character.isLetterOrDigit(source.charAt(pos)) || source.charAt(pos) == '_')) {
                    pos++;
                }
                tokens.add(new Token(Type.NAME, source.substring(s, pos), line));
            } else if (Character.isDigit(c)) {
                number();
            } else if (c == '\'' || c == '"') {
                string(c);
            } else {
                String op = null;
                for (String candidate : OPERATORS) {
                    if (source.startsWith(candidate, pos)) {
                        op = candidate;
                        break;
                    }
                }
                if (op == null) {
                    throw new JinjaException("unexpected char '" + c + "'", line);
                }
                pos += op.length();
                tokens.add(new Token(Type.OP, op, line));
            }
        }
    }

    /** After a tag: '-' strips all following whitespace; trim_blocks removes one newline after a block tag. */
    private void afterTag(boolean strip, boolean keep, boolean block) {
        int length = source.length();
        if (strip) {
            while (pos < length && isSpace(source.charAt(pos))) {
                if (source.charAt(pos) == '\n') {
                    line++;
                }
                pos++;
            }
        } else if (block && !keep && pos < length && source.charAt(pos) == '\n') {
            pos++;
            line++;
        }
    }

    private void number() {
        int s = pos;
        int length = source.length();
        while (pos < length && (Character.isDigit(source.charAt(pos)) || source.charAt(pos) == '_')) {
            pos++;
        }
        boolean isFloat = false;
        if (pos + 1 < length && source.charAt(pos) == '.' && Character.isDigit(source.charAt(pos + 1))) {
            isFloat = true;
            pos++;
            while (pos < length && (Character.isDigit(source.charAt(pos)) || source.charAt(pos) == '_')) {
                pos++;
            }
        }
        if (pos < length && (source.charAt(pos) == 'e' || source.charAt(pos) == 'E')) {
            int e = pos + 1;
            if (e < length && (source.charAt(e) == '+' || source.charAt(e) == '-')) {
                e++;
            }
            if (e < length && Character.isDigit(source.charAt(e))) {
                isFloat = true;
                pos = e;
                while (pos < length && Character.isDigit(source.charAt(pos))) {
                    pos++;
                }
            }
        }
        tokens.add(new Token(isFloat ? Type.FLOAT : Type.INT, source.substring(s, pos).replace("_", ""), line));
    }

    private void string(char quote) {
        int startLine = line;
        StringBuilder value = new StringBuilder();
        int length = source.length();
        pos++;
        while (true) {
            if (pos >= length) {
                throw new JinjaException("unexpected end of string", startLine);
            }
            char c = source.charAt(pos++);
            if (c == quote) {
                break;
            }
            if (c == '\n') {
                line++;
            }
            if (c != '\\') {
                value.append(c);
                continue;
            }
            if (pos >= length) {
                throw new JinjaException("unexpected end of string", startLine);
            }
            char e = source.charAt(pos++);
            switch (e) {
                case 'n' -> value.append('\n');
                case 't' -> value.append('\t');
                case 'r' -> value.append('\r');
                case 'b' -> value.append('\b');
                case 'f' -> value.append('\f');
                case 'v' -> value.append('\u000b');
                case 'a' -> value.append('\u0007');
                case '\\' -> value.append('\\');
                case '\'' -> value.append('\'');
                case '"' -> value.append('"');
                case '\n' -> line++;
                case 'x' -> value.appendCodePoint(hex(2, startLine));
                case 'u' -> value.appendCodePoint(hex(4, startLine));
                case 'U' -> value.appendCodePoint(hex(8, startLine));
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        for (int k = 0; k < 2 && pos < length && source.charAt(pos) >= '0' && source.charAt(pos) <= '7'; k++) {
                            v = v * 8 + (source.charAt(pos++) - '0');
                        }
                        value.appendCodePoint(v);
                    } else {
                        value.append('\\').append(e); // Python keeps unknown escapes as they are
                    }
                }
            }
        }
        tokens.add(new Token(Type.STRING, value.toString(), startLine));
    }

    private int hex(int digits, int startLine) {
        if (pos + digits > source.length()) {
            throw new JinjaException("truncated \\x, \\u or \\U escape in a string", startLine);
        }
        try {
            int v = Integer.parseUnsignedInt(source.substring(pos, pos + digits), 16);
            pos += digits;
            return v;
        } catch (NumberFormatException e) {
            throw new JinjaException("invalid \\x, \\u or \\U escape in a string", startLine);
        }
    }

    static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\u000b';
    }

    private static String stripTrailingWhitespace(String text) {
        int end = text.length();
        while (end > 0 && Character.isWhitespace(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end);
    }

    private static int count(CharSequence s, int from, int to, char c) {
        int n = 0;
        for (int i = from; i < to; i++) {
            if (s.charAt(i) == c) {
                n++;
            }
        }
        return n;
    }
}
