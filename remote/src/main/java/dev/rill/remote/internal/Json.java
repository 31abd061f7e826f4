package dev.rill.remote.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The one JSON mapper of the module, and lenient parsing for bodies that may not be JSON. */
public final class Json {
    /** Shared, thread-safe. */
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    /** {@code text} parsed, or null when it is not JSON. */
    public static JsonNode parseOrNull(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
