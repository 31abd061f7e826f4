package dev.rill.internal.chat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** JSON text and JSON-like Java values, as chat templates take them. */
public final class JsonValues {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonValues() {
    }

    /**
     * Parses a JSON object, keeping its key order.
     *
     * @throws IllegalArgumentException naming {@code what} when the text is not a JSON object
     */
    public static Map<String, Object> object(String json, String what) {
        Object value;
        try {
            value = MAPPER.readValue(json, Object.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(what + " must be a JSON object, got " + abbreviate(json) + ": "
                    + e.getOriginalMessage());
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException(what + " must be a JSON object, got " + abbreviate(json));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> object = (Map<String, Object>) map;
        return object;
    }

    /**
     * A deep, unmodifiable copy of a template variable's value.
     *
     * @throws IllegalArgumentException naming {@code what} when the value holds something other than null,
     *         booleans, numbers, strings, lists and maps with string keys
     */
    public static Object copy(Object value, String what) {
        return switch (value) {
            case null -> null;
            case String s -> s;
            case Boolean b -> b;
            case Number n -> n;
            case List<?> list -> {
                List<Object> copy = new ArrayList<>(list.size());
                for (Object item : list) {
                    copy.add(copy(item, what));
                }
                yield Collections.unmodifiableList(copy);
            }
            case Map<?, ?> map -> {
                Map<String, Object> copy = new LinkedHashMap<>();
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    if (!(e.getKey() instanceof String key)) {
                        throw new IllegalArgumentException(what + " has a map key that is not a string: " + e.getKey());
                    }
                    copy.put(key, copy(e.getValue(), what));
                }
                yield Collections.unmodifiableMap(copy);
            }
            default -> throw new IllegalArgumentException(what + " must hold only null, booleans, numbers, strings, "
                    + "lists and maps, not " + value.getClass().getName());
        };
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? "'" + s + "'" : "'" + s.substring(0, 57) + "...'";
    }
}
