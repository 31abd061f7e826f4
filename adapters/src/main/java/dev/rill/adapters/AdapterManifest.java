package dev.rill.adapters;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A JSON file that declares adapters, for {@link AdapterRegistry#registerAll(AdapterManifest)}:
 *
 * <pre>{@code
 * {
 *   "adapters": [
 *     {"name": "formal", "path": "formal.gguf", "scale": 0.8, "load": "eager"},
 *     {"name": "legal",  "path": "/srv/lora/legal.gguf"}
 *   ]
 * }
 * }</pre>
 *
 * <p>{@code name} and {@code path} are required; {@code scale} defaults to 1 and {@code load} to {@code "lazy"}.
 * A relative path is resolved against the manifest's folder. Unknown fields are errors (a misspelt
 * {@code "scale"} would otherwise be silently ignored). Every error names the file and the entry.
 *
 * @param source   where it was read from (for messages); for text, a description
 * @param adapters the entries, in order
 */
public record AdapterManifest(String source, List<AdapterSpec> adapters) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> ENTRY_FIELDS = Set.of("name", "path", "scale", "load");

    /** Copies the list. */
    public AdapterManifest {
        adapters = List.copyOf(adapters);
    }

    /** Reads and checks a manifest file. */
    public static AdapterManifest read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ManifestException("Adapter manifest " + file + " cannot be read: "
                    + (Files.exists(file) ? e.getMessage() : "the file does not exist"), e);
        }
        Path parent = file.toAbsolutePath().getParent();
        return parse(text, parent == null ? Path.of("") : parent, file.toString());
    }

    /**
     * Parses manifest text; relative paths resolve against {@code baseDirectory}.
     *
     * @param source a description of where the text came from, for messages
     */
    public static AdapterManifest parse(String json, Path baseDirectory, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ManifestException("Adapter manifest " + source + " is not valid JSON: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw new ManifestException("Adapter manifest " + source + " must be a JSON object with an \"adapters\" array");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!field.equals("adapters")) {
                throw new ManifestException("Adapter manifest " + source + ": unknown field \"" + field
                        + "\" (only \"adapters\" is allowed at the top)");
            }
        }
        JsonNode list = root.get("adapters");
        if (list == null || !list.isArray()) {
            throw new ManifestException("Adapter manifest " + source + " must have an \"adapters\" array");
        }
        List<AdapterSpec> specs = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            AdapterSpec spec = entry(list.get(i), i, baseDirectory, source);
            Integer earlier = seen.putIfAbsent(spec.name(), i);
            if (earlier != null) {
                throw new ManifestException(where(source, i, spec.name()) + ": the name is already used by adapters["
                        + earlier + "]");
            }
            specs.add(spec);
        }
        return new AdapterManifest(source, specs);
    }

    private static AdapterSpec entry(JsonNode node, int index, Path baseDirectory, String source) {
        if (!node.isObject()) {
            throw new ManifestException(where(source, index, null) + ": an entry must be an object, was " + node);
        }
        JsonNode nameNode = node.get("name");
        String name = nameNode != null && nameNode.isTextual() ? nameNode.asText() : null;
        String where = where(source, index, name);
        if (name == null || name.isBlank()) {
            throw new ManifestException(where + ": \"name\" must be a non-empty string");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!ENTRY_FIELDS.contains(field)) {
                throw new ManifestException(where + ": unknown field \"" + field + "\" (allowed: name, path, scale, load)");
            }
        }
        JsonNode pathNode = node.get("path");
        if (pathNode == null || !pathNode.isTextual() || pathNode.asText().isBlank()) {
            throw new ManifestException(where + ": \"path\" must be a non-empty string");
        }
        Path path;
        try {
            path = baseDirectory.resolve(pathNode.asText()).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            throw new ManifestException(where + ": \"path\" is not a valid path: " + e.getMessage(), e);
        }
        float scale = 1f;
        JsonNode scaleNode = node.get("scale");
        if (scaleNode != null) {
            if (!scaleNode.isNumber() || !Float.isFinite((float) scaleNode.asDouble())) {
                throw new ManifestException(where + ": \"scale\" must be a finite number, was " + scaleNode);
            }
            scale = (float) scaleNode.asDouble();
        }
        LoadPolicy load = LoadPolicy.LAZY;
        JsonNode loadNode = node.get("load");
        if (loadNode != null) {
            String text = loadNode.isTextual() ? loadNode.asText().toLowerCase(Locale.ROOT) : "";
            load = switch (text) {
                case "lazy" -> LoadPolicy.LAZY;
                case "eager" -> LoadPolicy.EAGER;
                default -> throw new ManifestException(where + ": \"load\" must be \"lazy\" or \"eager\", was " + loadNode);
            };
        }
        return new AdapterSpec(name, path, scale, load);
    }

    private static String where(String source, int index, String name) {
        return "Adapter manifest " + source + ", adapters[" + index + "]" + (name == null ? "" : " (\"" + name + "\")");
    }
}
