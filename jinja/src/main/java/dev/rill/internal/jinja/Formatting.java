package dev.rill.internal.jinja;

import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Python's string formatting: {@code str.format}, {@code %} and {@code strftime}, for what templates use. */
final class Formatting {
    private Formatting() {
    }

    /** {@code "...".format(*args, **kwargs)}: {@code {}}, {@code {0}}, {@code {name}}, conversions and simple specs. */
    static String format(String format, List<Object> args, Map<String, Object> kwargs) {
        StringBuilder out = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c == '{') {
                if (i + 1 < format.length() && format.charAt(i + 1) == '{') {
                    out.append('{');
                    i++;
                    continue;
                }
                int end = format.indexOf('}', i);
                if (end < 0) {
                    throw Py.error("Single '{' encountered in format string");
                }
                String field = format.substring(i + 1, end);
                String spec = "";
                char conversion = 0;
                int colon = field.indexOf(':');
                if (colon >= 0) {
                    spec = field.substring(colon + 1);
                    field = field.substring(0, colon);
                }
                int bang = field.indexOf('!');
                if (bang >= 0) {
                    conversion = bang + 1 < field.length() ? field.charAt(bang + 1) : 0;
                    field = field.substring(0, bang);
                }
                Object value;
                if (field.isEmpty()) {
                    if (auto >= args.size()) {
                        throw Py.error("Replacement index " + auto + " out of range for positional args tuple");
                    }
                    value = args.get(auto++);
                } else if (field.chars().allMatch(Character::isDigit)) {
                    int index = field.length() > 9 ? Integer.MAX_VALUE : Integer.parseInt(field);
                    if (index >= args.size()) {
                        throw Py.error("Replacement index " + index + " out of range for positional args tuple");
                    }
                    value = args.get(index);
                } else if (kwargs.containsKey(field)) {
                    value = kwargs.get(field);
                } else {
                    throw Py.error("KeyError: '" + field + "'");
                }
                String text = conversion == 'r' ? Py.repr(value) : null;
                out.append(spec(value, text, spec));
                i = end;
            } else if (c == '}') {
                if (i + 1 < format.length() && format.charAt(i + 1) == '}') {
                    i++;
                }
                out.append('}');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** A format spec {@code [[fill]align][width][.precision][type]}. */
    private static String spec(Object value, String converted, String spec) {
        if (spec.isEmpty()) {
            return converted != null ? converted : Py.str(value);
        }
        int i = 0;
        char fill = ' ';
        char align = 0;
        if (spec.length() >= 2 && "<>^".indexOf(spec.charAt(1)) >= 0) {
            fill = spec.charAt(0);
            align = spec.charAt(1);
            i = 2;
        } else if ("<>^".indexOf(spec.charAt(0)) >= 0) {
            align = spec.charAt(0);
            i = 1;
        }
        int w = i;
        while (w < spec.length() && Character.isDigit(spec.charAt(w))) {
            w++;
        }
        int width = w > i ? formatNumber(spec.substring(i, w)) : 0;
        int precision = -1;
        if (w < spec.length() && spec.charAt(w) == '.') {
            int p = w + 1;
            while (p < spec.length() && Character.isDigit(spec.charAt(p))) {
                p++;
            }
            precision = formatNumber(spec.substring(w + 1, p));
            w = p;
        }
        char type = w < spec.length() ? spec.charAt(w) : 0;
        String text;
        if (type == 'f' || type == 'F') {
            text = String.format(Locale.ROOT, "%." + (precision < 0 ? 6 : precision) + "f", Py.asDouble(value));
        } else if (type == 'd') {
            text = Long.toString(Py.asLong(value));
        } else {
            text = converted != null ? converted : Py.str(value);
            if (precision >= 0 && text.length() > precision) {
                text = text.substring(0, precision);
            }
        }
        int pad = width - text.codePointCount(0, text.length());
        if (pad <= 0) {
            return text;
        }
        if (align == 0) {
            align = Py.isNumber(value) ? '>' : '<';
        }
        String f = String.valueOf(fill);
        return switch (align) {
            case '>' -> f.repeat(pad) + text;
            case '^' -> f.repeat(pad / 2) + text + f.repeat(pad - pad / 2);
            default -> text + f.repeat(pad);
        };
    }

    /** {@code format % values}: %s, %r, %d, %i, %f (with a precision), %x and %%. */
    static String percent(String format, Object values) {
        List<Object> args = values instanceof Py.Tuple t ? t : List.of(values == null ? "None" : values);
        if (values == null) {
            args = java.util.Collections.singletonList(null);
        }
        StringBuilder out = new StringBuilder();
        int next = 0;
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%') {
                out.append(c);
                continue;
            }
            int j = i + 1;
            while (j < format.length() && "-+ #0123456789.".indexOf(format.charAt(j)) >= 0) {
                j++;
            }
            if (j >= format.length()) {
                throw Py.error("incomplete format");
            }
            char type = format.charAt(j);
            String flags = format.substring(i + 1, j);
            if (type == '%') {
                out.append('%');
                i = j;
                continue;
            }
            if (next >= args.size()) {
                throw Py.error("not enough arguments for format string");
            }
            Object value = args.get(next++);
            out.append(switch (type) {
                case 's' -> String.format(Locale.ROOT, "%" + flags + "s", Py.str(value));
                case 'r' -> String.format(Locale.ROOT, "%" + flags + "s", Py.repr(value));
                case 'd', 'i' -> String.format(Locale.ROOT, "%" + flags + "d", Py.asLong(value));
                case 'f', 'F' -> String.format(Locale.ROOT, "%" + (flags.contains(".") ? flags : flags + ".6") + "f",
                        Py.asDouble(value));
                case 'x' -> String.format(Locale.ROOT, "%" + flags + "x", Py.asLong(value));
                default -> throw Py.error("unsupported format character '" + type + "'");
            });
            i = j;
        }
        if (next < args.size()) {
            throw Py.error("not all arguments converted during string formatting");
        }
        return out.toString();
    }

    /** Python's {@code datetime.strftime} in the C locale. */
    static String strftime(LocalDateTime t, String format) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 >= format.length()) {
                out.append(c);
                continue;
            }
            char d = format.charAt(++i);
            boolean noPad = false;
            if (d == '-' && i + 1 < format.length()) {
                noPad = true;
                d = format.charAt(++i);
            }
            String two = noPad ? "%d" : "%02d";
            out.append(switch (d) {
                case 'Y' -> Integer.toString(t.getYear());
                case 'y' -> String.format(Locale.ROOT, two, t.getYear() % 100);
                case 'm' -> String.format(Locale.ROOT, two, t.getMonthValue());
                case 'd' -> String.format(Locale.ROOT, two, t.getDayOfMonth());
                case 'e' -> String.format(Locale.ROOT, "%2d", t.getDayOfMonth());
                case 'H' -> String.format(Locale.ROOT, two, t.getHour());
                case 'I' -> String.format(Locale.ROOT, two, (t.getHour() + 11) % 12 + 1);
                case 'M' -> String.format(Locale.ROOT, two, t.getMinute());
                case 'S' -> String.format(Locale.ROOT, two, t.getSecond());
                case 'f' -> String.format(Locale.ROOT, "%06d", t.getNano() / 1000);
                case 'p' -> t.getHour() < 12 ? "AM" : "PM";
                case 'b', 'h' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
                case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
                case 'j' -> String.format(Locale.ROOT, noPad ? "%d" : "%03d", t.getDayOfYear());
                case 'w' -> Integer.toString(t.getDayOfWeek().getValue() % 7);
                case 'u' -> Integer.toString(t.getDayOfWeek().getValue());
                case 'F' -> String.format(Locale.ROOT, "%d-%02d-%02d", t.getYear(), t.getMonthValue(), t.getDayOfMonth());
                case 'T' -> String.format(Locale.ROOT, "%02d:%02d:%02d", t.getHour(), t.getMinute(), t.getSecond());
                case 'D' -> String.format(Locale.ROOT, "%02d/%02d/%02d", t.getMonthValue(), t.getDayOfMonth(),
                        t.getYear() % 100);
                case 'Z', 'z' -> "";
                case '%' -> "%";
                default -> "%" + d;
            });
        }
        return out.toString();
    }

    /** A width or precision of a format spec, bounded by what the sandbox lets a template write. */
    private static int formatNumber(String digits) {
        if (digits.isEmpty()) {
            return 0;
        }
        if (digits.length() > 9 || Integer.parseInt(digits) > Interpreter.MAX_OUTPUT) {
            throw Py.error("Too many decimal digits in format string");
        }
        return Integer.parseInt(digits);
    }
}
