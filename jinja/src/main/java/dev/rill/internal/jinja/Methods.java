package dev.rill.internal.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The methods of str, dict and list that templates call ({@code s.startswith('x')}, {@code d.items()}, ...). As in
 * Hugging Face's immutable sandbox, the methods that change a list or a dict raise.
 */
final class Methods {
    private static final Set<String> DICT_MUTATING = Set.of("update", "pop", "popitem", "setdefault", "clear");
    private static final Set<String> LIST_MUTATING = Set.of("append", "extend", "insert", "pop", "remove", "reverse",
            "sort", "clear");

    private Methods() {
    }

    /** The bound method {@code target.name}, or null when the type has no such method. */
    static Py.Callable bind(Object target, String name) {
        if (target instanceof String s) {
            return STRING_METHODS.contains(name) ? (args, kwargs) -> string(s, name, args, kwargs) : null;
        }
        if (target instanceof Map<?, ?> map) {
            if (DICT_MUTATING.contains(name)) {
                return unsafe(name, "dict");
            }
            return switch (name) {
                case "get" -> (args, kwargs) -> {
                    Object key = arg(args, kwargs, 0, "key", null, true);
                    Object fallback = arg(args, kwargs, 1, "default", null, false);
                    return map.containsKey(key) ? map.get(key) : fallback;
                };
                case "items" -> (args, kwargs) -> {
                    List<Object> items = new ArrayList<>(map.size());
                    map.forEach((k, v) -> items.add(new Py.Tuple(k, v)));
                    return items;
                };
                case "keys" -> (args, kwargs) -> new ArrayList<Object>(map.keySet());
                case "values" -> (args, kwargs) -> new ArrayList<Object>(map.values());
                case "copy" -> (args, kwargs) -> new java.util.LinkedHashMap<Object, Object>(map);
                default -> null;
            };
        }
        if (target instanceof List<?> list) {
            if (LIST_MUTATING.contains(name)) {
                return unsafe(name, Py.typeName(target));
            }
            return switch (name) {
                case "index" -> (args, kwargs) -> {
                    Object item = arg(args, kwargs, 0, "value", null, true);
                    for (int i = 0; i < list.size(); i++) {
                        if (Py.eq(list.get(i), item)) {
                            return (long) i;
                        }
                    }
                    throw Py.error(Py.repr(item) + " is not in list");
                };
                case "count" -> (args, kwargs) -> {
                    Object item = arg(args, kwargs, 0, "value", null, true);
                    return list.stream().filter(o -> Py.eq(o, item)).count();
                };
                case "copy" -> (args, kwargs) -> new ArrayList<Object>(list);
                default -> null;
            };
        }
        return null;
    }

    private static Py.Callable unsafe(String name, String type) {
        return (args, kwargs) -> {
            throw Py.error("SecurityError: access to attribute '" + name + "' of '" + type + "' object is unsafe.");
        };
    }

    private static final Set<String> STRING_METHODS = Set.of("strip", "lstrip", "rstrip", "split", "rsplit",
            "splitlines", "startswith", "endswith", "replace", "upper", "lower", "title", "capitalize", "swapcase",
            "find", "rfind", "index", "rindex", "count", "join", "format", "isdigit", "isnumeric", "isdecimal",
            "isalpha", "isalnum", "isspace", "isupper", "islower", "zfill", "center", "ljust", "rjust", "partition",
            "rpartition", "removeprefix", "removesuffix");

    private static Object string(String s, String name, List<Object> args, Map<String, Object> kwargs) {
        switch (name) {
            case "strip", "lstrip", "rstrip" -> {
                Object chars = arg(args, kwargs, 0, "chars", null, false);
                return strip(s, chars == null ? null : str(chars, name), !name.equals("rstrip"),
                        !name.equals("lstrip"));
            }
            case "split", "rsplit" -> {
                Object sep = arg(args, kwargs, 0, "sep", null, false);
                long max = Py.asLong(arg(args, kwargs, 1, "maxsplit", -1L, false));
                return name.equals("split") ? split(s, sep == null ? null : str(sep, name), max)
                        : rsplit(s, sep == null ? null : str(sep, name), max);
            }
            case "splitlines" -> {
                List<Object> lines = new ArrayList<>();
                for (String line : s.split("\r\n|[\n\r\u000b\u000c\u001c\u001d\u001e\u0085\u2028\u2029]", -1)) {
                    lines.add(line);
                }
                if (!lines.isEmpty() && ((String) lines.getLast()).isEmpty()) {
                    lines.removeLast();
                }
                return lines;
            }
            case "startswith", "endswith" -> {
                Object affix = arg(args, kwargs, 0, "prefix", null, true);
                List<Object> options = affix instanceof Py.Tuple t ? t : List.of(affix);
                for (Object option : options) {
                    String o = str(option, name);
                    if (name.equals("startswith") ? s.startsWith(o) : s.endsWith(o)) {
                        return true;
                    }
                }
                return false;
            }
            case "replace" -> {
                String old = str(arg(args, kwargs, 0, "old", null, true), name);
                String replacement = str(arg(args, kwargs, 1, "new", null, true), name);
                long count = Py.asLong(arg(args, kwargs, 2, "count", -1L, false));
                return replace(s, old, replacement, count);
            }
            case "upper" -> {
                return upper(s);
            }
            case "lower" -> {
                return lower(s);
            }
            case "title" -> {
                return title(s);
            }
            case "capitalize" -> {
                if (s.isEmpty()) {
                    return s;
                }
                int first = s.codePointAt(0);
                return new String(Character.toChars(Character.toTitleCase(first)))
                        + lower(s.substring(Character.charCount(first)));
            }
            case "swapcase" -> {
                StringBuilder b = new StringBuilder();
                s.codePoints().forEach(cp -> b.appendCodePoint(Character.isUpperCase(cp) ? Character.toLowerCase(cp)
                        : Character.isLowerCase(cp) ? Character.toUpperCase(cp) : cp));
                return b.toString();
            }
            case "find", "index" -> {
                String sub = str(arg(args, kwargs, 0, "sub", null, true), name);
                int i = s.indexOf(sub);
                if (i < 0 && name.equals("index")) {
                    throw Py.error("substring not found");
                }
                return (long) (i < 0 ? -1 : s.codePointCount(0, i));
            }
            case "rfind", "rindex" -> {
                String sub = str(arg(args, kwargs, 0, "sub", null, true), name);
                int i = s.lastIndexOf(sub);
                if (i < 0 && name.equals("rindex")) {
                    throw Py.error("substring not found");
                }
                return (long) (i < 0 ? -1 : s.codePointCount(0, i));
            }
            case "count" -> {
                String sub = str(arg(args, kwargs, 0, "sub", null, true), name);
                if (sub.isEmpty()) {
                    return (long) s.codePointCount(0, s.length()) + 1;
                }
                long n = 0;
                for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) {
                    n++;
                }
                return n;
            }
            case "join" -> {
                StringBuilder b = new StringBuilder();
                boolean first = true;
                for (Object item : Py.iterate(arg(args, kwargs, 0, "iterable", null, true))) {
                    if (!(item instanceof String part)) {
                        throw Py.error("sequence item: expected str instance, " + Py.typeName(item) + " found");
                    }
                    if (!first) {
                        b.append(s);
                    }
                    first = false;
                    b.append(part);
                }
                return b.toString();
            }
            case "format" -> {
                return Formatting.format(s, args, kwargs);
            }
            case "isdigit", "isnumeric", "isdecimal" -> {
                return !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            }
            case "isalpha" -> {
                return !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            }
            case "isalnum" -> {
                return !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
            }
            case "isspace" -> {
                return !s.isEmpty() && s.codePoints().allMatch(Methods::isSpace);
            }
            case "isupper" -> {
                return s.codePoints().anyMatch(Character::isUpperCase) && s.codePoints().noneMatch(Character::isLowerCase);
            }
            case "islower" -> {
                return s.codePoints().anyMatch(Character::isLowerCase) && s.codePoints().noneMatch(Character::isUpperCase);
            }
            case "zfill" -> {
                int width = (int) Py.asLong(arg(args, kwargs, 0, "width", null, true));
                int length = s.codePointCount(0, s.length());
                if (length >= width) {
                    return s;
                }
                boolean sign = !s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+');
                return (sign ? s.substring(0, 1) : "") + "0".repeat(width - length) + (sign ? s.substring(1) : s);
            }
            case "center", "ljust", "rjust" -> {
                int width = (int) Py.asLong(arg(args, kwargs, 0, "width", null, true));
                String fill = str(arg(args, kwargs, 1, "fillchar", " ", false), name);
                int pad = width - s.codePointCount(0, s.length());
                if (pad <= 0) {
                    return s;
                }
                return switch (name) {
                    case "ljust" -> s + fill.repeat(pad);
                    case "rjust" -> fill.repeat(pad) + s;
                    default -> {
                        int left = pad / 2 + (pad & width & 1);
                        yield fill.repeat(left) + s + fill.repeat(pad - left);
                    }
                };
            }
            case "partition", "rpartition" -> {
                String sep = str(arg(args, kwargs, 0, "sep", null, true), name);
                int i = name.equals("partition") ? s.indexOf(sep) : s.lastIndexOf(sep);
                if (i < 0) {
                    return name.equals("partition") ? new Py.Tuple(s, "", "") : new Py.Tuple("", "", s);
                }
                return new Py.Tuple(s.substring(0, i), sep, s.substring(i + sep.length()));
            }
            case "removeprefix" -> {
                String prefix = str(arg(args, kwargs, 0, "prefix", null, true), name);
                return s.startsWith(prefix) ? s.substring(prefix.length()) : s;
            }
            case "removesuffix" -> {
                String suffix = str(arg(args, kwargs, 0, "suffix", null, true), name);
                return !suffix.isEmpty() && s.endsWith(suffix) ? s.substring(0, s.length() - suffix.length()) : s;
            }
            default -> throw Py.error("'str' object has no attribute '" + name + "'");
        }
    }

    /** An argument by position or keyword; a missing required one fails. */
    static Object arg(List<Object> args, Map<String, Object> kwargs, int index, String name, Object fallback,
                      boolean required) {
        if (index < args.size()) {
            return args.get(index);
        }
        if (kwargs.containsKey(name)) {
            return kwargs.get(name);
        }
        if (required) {
            throw Py.error("missing required argument '" + name + "' (pos " + (index + 1) + ")");
        }
        return fallback;
    }

    private static String str(Object o, String method) {
        if (o instanceof String s) {
            return s;
        }
        if (o instanceof Py.Undefined u) {
            throw u.fail();
        }
        throw Py.error(method + "() argument must be str, not " + Py.typeName(o));
    }

    static boolean isSpace(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x85;
    }

    static String strip(String s, String chars, boolean left, boolean right) {
        int start = 0;
        int end = s.length();
        if (left) {
            while (start < end) {
                int cp = s.codePointAt(start);
                if (!(chars == null ? isSpace(cp) : chars.indexOf(cp) >= 0)) {
                    break;
                }
                start += Character.charCount(cp);
            }
        }
        if (right) {
            while (end > start) {
                int cp = s.codePointBefore(end);
                if (!(chars == null ? isSpace(cp) : chars.indexOf(cp) >= 0)) {
                    break;
                }
                end -= Character.charCount(cp);
            }
        }
        return s.substring(start, end);
    }

    static List<Object> split(String s, String sep, long max) {
        List<Object> parts = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && isSpace(s.codePointAt(i))) {
                    i += Character.charCount(s.codePointAt(i));
                }
                if (i >= n) {
                    break;
                }
                if (max >= 0 && parts.size() >= max) {
                    parts.add(strip(s.substring(i), null, false, true));
                    break;
                }
                int j = i;
                while (j < n && !isSpace(s.codePointAt(j))) {
                    j += Character.charCount(s.codePointAt(j));
                }
                parts.add(s.substring(i, j));
                i = j;
            }
            return parts;
        }
        if (sep.isEmpty()) {
            throw Py.error("empty separator");
        }
        int from = 0;
        while (max < 0 || parts.size() < max) {
            int i = s.indexOf(sep, from);
            if (i < 0) {
                break;
            }
            parts.add(s.substring(from, i));
            from = i + sep.length();
        }
        parts.add(s.substring(from));
        return parts;
    }

    private static List<Object> rsplit(String s, String sep, long max) {
        if (max < 0) {
            return split(s, sep, max);
        }
        List<Object> parts = new ArrayList<>();
        if (sep == null) {
            String rest = strip(s, null, false, true);
            while (parts.size() < max) {
                String trimmed = strip(rest, null, false, true);
                int j = trimmed.length();
                int i = j;
                while (i > 0 && !isSpace(trimmed.codePointBefore(i))) {
                    i -= Character.charCount(trimmed.codePointBefore(i));
                }
                if (i == 0) {
                    break;
                }
                parts.addFirst(trimmed.substring(i, j));
                rest = strip(trimmed.substring(0, i), null, false, true);
            }
            if (!strip(rest, null, true, true).isEmpty()) {
                parts.addFirst(strip(rest, null, true, false));
            }
            return parts;
        }
        if (sep.isEmpty()) {
            throw Py.error("empty separator");
        }
        int to = s.length();
        while (parts.size() < max) {
            int i = s.lastIndexOf(sep, to - sep.length());
            if (i < 0) {
                break;
            }
            parts.addFirst(s.substring(i + sep.length(), to));
            to = i;
        }
        parts.addFirst(s.substring(0, to));
        return parts;
    }

    static String replace(String s, String old, String replacement, long count) {
        if (count < 0) {
            if (old.isEmpty()) {
                StringBuilder b = new StringBuilder(replacement);
                s.codePoints().forEach(cp -> b.appendCodePoint(cp).append(replacement));
                return b.toString();
            }
            return s.replace(old, replacement);
        }
        StringBuilder b = new StringBuilder();
        int from = 0;
        for (long n = 0; n < count; n++) {
            int i = old.isEmpty() ? (from <= s.length() ? from : -1) : s.indexOf(old, from);
            if (i < 0) {
                break;
            }
            b.append(s, from, i).append(replacement);
            if (old.isEmpty()) {
                if (i < s.length()) {
                    b.appendCodePoint(s.codePointAt(i));
                    from = i + Character.charCount(s.codePointAt(i));
                } else {
                    from = i + 1;
                    break;
                }
            } else {
                from = i + old.length();
            }
        }
        if (from <= s.length()) {
            b.append(s, from, s.length());
        }
        return b.toString();
    }

    static String upper(String s) {
        return s.toUpperCase(Locale.ROOT);
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    static String title(String s) {
        StringBuilder b = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            boolean cased = Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
            if (cased) {
                b.appendCodePoint(previousCased ? Character.toLowerCase(cp) : Character.toTitleCase(cp));
            } else {
                b.appendCodePoint(cp);
            }
            previousCased = cased;
        }
        return b.toString();
    }
}
