package dev.rill.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rill.Model;
import dev.rill.adapters.AdapterRegistry;
import dev.rill.adapters.AdapterSelection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model a server serves, under its id, with its adapter registry; resolves a request's {@code model} and
 * {@code lora} fields into an {@link AdapterSelection}.
 *
 * <p>{@code model} may be the base id, {@code base:adapter}, or a registered adapter's name alone; absent, it means
 * the base. {@code lora} is llama.cpp's list {@code [{"id": ..., "scale": ...}]}, where {@code id} is a registered
 * adapter's name or its position in the registration order. An adapter named both ways runs once, at the
 * {@code lora} scale.
 */
public record ServedModel(String id, Model model, AdapterRegistry adapters) {

    /** The adapters a request asks for; throws 404 for an unknown model or adapter, 400 for a malformed field. */
    AdapterSelection selection(JsonNode body) {
        Map<String, Double> chosen = new LinkedHashMap<>();
        String requested = Json.string(body, "model", null);
        if (requested != null && !requested.isEmpty() && !requested.equals(id)) {
            String adapter;
            if (requested.startsWith(id + ":")) {
                adapter = requested.substring(id.length() + 1);
            } else if (adapters.isRegistered(requested)) {
                adapter = requested;
            } else {
                throw ApiException.notFound("model_not_found", "The model '" + requested + "' does not exist here; "
                        + "this server serves '" + id + "'" + (adapters.names().isEmpty() ? ""
                        : " and its adapters as '" + id + ":<adapter>' (" + String.join(", ", adapters.names()) + ")"));
            }
            requireAdapter(adapter);
            chosen.put(adapter, null);
        }
        if (!Json.absent(body, "lora")) {
            JsonNode lora = body.get("lora");
            if (!lora.isArray()) {
                throw ApiException.invalid("lora", "'lora' must be an array of {\"id\": ..., \"scale\": ...}");
            }
            List<String> names = adapters.names();
            for (JsonNode entry : lora) {
                if (!entry.isObject() || !entry.has("id")) {
                    throw ApiException.invalid("lora", "each 'lora' entry must be an object with an 'id', was " + entry);
                }
                JsonNode idNode = entry.get("id");
                String name;
                if (idNode.isIntegralNumber()) {
                    int index = idNode.asInt();
                    if (index < 0 || index >= names.size()) {
                        throw ApiException.notFound("adapter_not_found", "No adapter has id " + index + "; this "
                                + "server has " + names.size() + " adapter" + (names.size() == 1 ? "" : "s"));
                    }
                    name = names.get(index);
                } else if (idNode.isTextual()) {
                    name = idNode.asText();
                    requireAdapter(name);
                } else {
                    throw ApiException.invalid("lora", "a 'lora' id is an adapter's name or index, was " + idNode);
                }
                Double scale = Json.number(entry, "scale", -1e6, 1e6);
                chosen.put(name, scale);
            }
        }
        AdapterSelection.Builder selection = AdapterSelection.builder();
        chosen.forEach((name, scale) -> {
            if (scale == null) {
                selection.add(name);
            } else {
                selection.add(name, scale.floatValue());
            }
        });
        return selection.build();
    }

    private void requireAdapter(String name) {
        if (!adapters.isRegistered(name)) {
            throw ApiException.notFound("adapter_not_found", "No adapter named '" + name + "' is registered"
                    + (adapters.names().isEmpty() ? "" : " (registered: " + String.join(", ", adapters.names()) + ")"));
        }
    }
}
