package dev.rill.server.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reading request bodies and their fields; every wrong type or value throws a 400 {@link ApiException} naming the
 * field.
 */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    /** Parses a body that must be a JSON object. */
    static ObjectNode object(byte[] body) {
        if (body.length == 0) {
            throw ApiException.invalid(null, "The request needs a JSON body");
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.invalid(null, "The body is not valid JSON: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        } catch (IOException e) {
            throw ApiException.invalid(null, "The body cannot be read: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw ApiException.invalid(null, "The body must be a JSON object");
        }
        return (ObjectNode) node;
    }

    /** A field that is absent or JSON null. */
    static boolean absent(JsonNode parent, String field) {
        JsonNode node = parent.get(field);
        return node == null || node.isNull();
    }

    static String string(JsonNode parent, String field, String fallback) {
        if (absent(parent, field)) {
            return fallback;
        }
        JsonNode node = parent.get(field);
        if (!node.isTextual()) {
            throw ApiException.invalid(field, "'" + field + "' must be a string, was " + node);
        }
        return node.asText();
    }

    static String requiredString(JsonNode parent, String field, String where) {
        String value = string(parent, field, null);
        if (value == null) {
            throw ApiException.invalid(field, where + " needs '" + field + "'");
        }
        return value;
    }

    static boolean bool(JsonNode parent, String field, boolean fallback) {
        if (absent(parent, field)) {
            return fallback;
        }
        JsonNode node = parent.get(field);
        if (!node.isBoolean()) {
            throw ApiException.invalid(field, "'" + field + "' must be true or false, was " + node);
        }
        return node.asBoolean();
    }

    /** A whole number in [min, max], or null when absent. */
    static Integer integer(JsonNode parent, String field, int min, int max) {
        if (absent(parent, field)) {
            return null;
        }
        JsonNode node = parent.get(field);
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            throw ApiException.invalid(field, "'" + field + "' must be a whole number, was " + node);
        }
        long value = node.asLong();
        if (value < min || value > max) {
            throw ApiException.invalid(field, "'" + field + "' must be in [" + min + ", " + max + "], was " + value);
        }
        return (int) value;
    }

    /** Any whole number that fits a long, or null when absent. */
    static Long longValue(JsonNode parent, String field) {
        if (absent(parent, field)) {
            return null;
        }
        JsonNode node = parent.get(field);
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            throw ApiException.invalid(field, "'" + field + "' must be a whole number, was " + node);
        }
        return node.asLong();
    }

    /** A finite number in [min, max], or null when absent. */
    static Double number(JsonNode parent, String field, double min, double max) {
        if (absent(parent, field)) {
            return null;
        }
        JsonNode node = parent.get(field);
        if (!node.isNumber()) {
            throw ApiException.invalid(field, "'" + field + "' must be a number, was " + node);
        }
        double value = node.asDouble();
        if (!(value >= min && value <= max)) {
            throw ApiException.invalid(field, "'" + field + "' must be in [" + min + ", " + max + "], was " + value);
        }
        return value;
    }

    /** A string or an array of strings, as {@code stop} is; empty when absent. */
    static List<String> strings(JsonNode parent, String field) {
        List<String> out = new ArrayList<>();
        if (absent(parent, field)) {
            return out;
        }
        JsonNode node = parent.get(field);
        if (node.isTextual()) {
            out.add(node.asText());
        } else if (node.isArray()) {
            for (JsonNode item : node) {
                if (!item.isTextual()) {
                    throw ApiException.invalid(field, "'" + field + "' must hold strings, found " + item);
                }
                out.add(item.asText());
            }
        } else {
            throw ApiException.invalid(field, "'" + field + "' must be a string or an array of strings, was " + node);
        }
        for (String s : out) {
            if (s.isEmpty()) {
                throw ApiException.invalid(field, "'" + field + "' must not hold empty strings");
            }
        }
        return out;
    }

    static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }
}
