package dev.rill.internal.grammar;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.rill.Grammar.InvalidGrammarException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a JSON schema into a GBNF grammar for JSON text that the schema accepts, for a common subset of JSON
 * Schema, with the conventions of llama.cpp's converter ({@code common/json-schema-to-grammar.cpp} in b4916):
 *
 * <ul>
 *   <li>optional whitespace after every value and punctuation mark: nothing or one space when compact (the
 *       default); else also one or two line breaks followed by up to 20 spaces or tabs, as in llama.cpp;
 *   <li>object properties in the order the schema lists them; the required ones always, the others optionally;
 *       no property the schema does not list unless {@code additionalProperties} says so (also when
 *       {@code additionalProperties} is absent, as in llama.cpp);
 *   <li>numbers with up to 16 digits before and 16 after the decimal point, integers with up to 16 digits;
 *   <li>{@code oneOf} read as {@code anyOf} (a value matching several alternatives is not refused);
 *   <li>{@code enum} and {@code const} values written as compact JSON.
 * </ul>
 *
 * <p>Supported keywords: {@code type} (a name or a list of names), {@code properties}, {@code required},
 * {@code additionalProperties} (false, true or a schema, the last two only without {@code properties}),
 * {@code items} (one schema), {@code minItems}, {@code maxItems}, {@code enum}, {@code const}, {@code minLength},
 * {@code maxLength}, {@code anyOf}, {@code oneOf}, {@code $ref} to a local pointer ({@code #/$defs/name},
 * {@code #/definitions/name}, {@code #}), and the annotations {@code $schema}, {@code $id}, {@code $comment},
 * {@code $defs}, {@code definitions}, {@code title}, {@code description}, {@code default}, {@code examples},
 * {@code deprecated}, {@code readOnly}, {@code writeOnly}. Any other keyword is refused with its JSON pointer,
 * rather than ignored, so that the grammar never allows more than the schema.
 */
public final class JsonSchemaGbnf {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Set<String> ANNOTATIONS = Set.of("$schema", "$id", "$comment", "$defs", "definitions",
            "title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly");
    private static final Set<String> KEYWORDS = Set.of("type", "properties", "required", "additionalProperties",
            "items", "minItems", "maxItems", "enum", "const", "minLength", "maxLength", "anyOf", "oneOf", "$ref");
    private static final Set<String> OBJECT_KEYWORDS = Set.of("properties", "required", "additionalProperties");
    private static final Set<String> ARRAY_KEYWORDS = Set.of("items", "minItems", "maxItems");
    private static final Set<String> STRING_KEYWORDS = Set.of("minLength", "maxLength");
    private static final List<String> TYPES = List.of("object", "array", "string", "number", "integer", "boolean",
            "null");

    /** The whitespace allowed after each value and punctuation mark: compact, or with line breaks and indents. */
    private static final String COMPACT_WS = "| \" \"";
    private static final String INDENTED_WS = "| \" \" | \"\\n\"{1,2} [ \\t]{0,20}";

    /** Shared rules, by name: each added to the grammar the first time it is used ({@code ws} is chosen per call). */
    private static final Map<String, String> SHARED = new LinkedHashMap<>();

    static {
        SHARED.put("ws", COMPACT_WS);
        SHARED.put("json-char", "[^\"\\\\\\x7F\\x00-\\x1F] | [\\\\] ([\"\\\\bfnrt] | \"u\" [0-9a-fA-F]{4})");
        SHARED.put("json-string", "\"\\\"\" json-char* \"\\\"\" ws");
        SHARED.put("json-int-part", "[0] | [1-9] [0-9]{0,15}");
        SHARED.put("json-number", "\"-\"? json-int-part (\".\" [0-9]{1,16})? ([eE] [-+]? json-int-part)? ws");
        SHARED.put("json-integer", "\"-\"? json-int-part ws");
        SHARED.put("json-boolean", "(\"true\" | \"false\") ws");
        SHARED.put("json-null", "\"null\" ws");
        SHARED.put("json-value", "json-object | json-array | json-string | json-number | json-boolean | json-null");
        SHARED.put("json-object", "\"{\" ws (json-string \":\" ws json-value (\",\" ws json-string \":\" ws"
                + " json-value)*)? \"}\" ws");
        SHARED.put("json-array", "\"[\" ws (json-value (\",\" ws json-value)*)? \"]\" ws");
    }

    private final JsonNode document;
    private final Map<String, String> rules = new LinkedHashMap<>();
    private final Set<String> usedShared = new LinkedHashSet<>();
    private final Set<String> names = new HashSet<>(SHARED.keySet());
    private final Map<String, String> refRules = new HashMap<>();

    private JsonSchemaGbnf(JsonNode document) {
        this.document = document;
        names.add("root");
    }

    /** {@link #convert(String, boolean)} for compact output. */
    public static String convert(String schemaJson) {
        return convert(schemaJson, true);
    }

    /**
     * The GBNF grammar (start rule {@code root}) for the JSON values {@code schemaJson} describes.
     *
     * @param compact allow at most one space after each value and punctuation mark; else also line breaks and
     *     up to 20 spaces or tabs, which a weak model may fill its whole budget with
     * @throws IllegalArgumentException when {@code schemaJson} is not JSON, or uses a keyword or a form this
     *     converter does not support; the message names the place as a JSON pointer ({@code #/properties/name})
     */
    public static String convert(String schemaJson, boolean compact) {
        JsonNode schema;
        try {
            schema = JSON.readTree(schemaJson);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the JSON schema is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (schema == null || schema.isMissingNode()) {
            throw new IllegalArgumentException("the JSON schema is empty");
        }
        JsonSchemaGbnf converter = new JsonSchemaGbnf(schema);
        String top = converter.visit(schema, "#", "");
        StringBuilder out = new StringBuilder("root ::= ").append(top).append('\n');
        converter.rules.forEach((name, body) -> out.append(name).append(" ::= ").append(body).append('\n'));
        converter.usedShared.forEach(name -> out.append(name).append(" ::= ")
                .append(name.equals("ws") && !compact ? INDENTED_WS : SHARED.get(name)).append('\n'));
        String grammar = out.toString();
        try {
            GbnfValidator.validate(grammar);
        } catch (InvalidGrammarException e) {
            if (e.reason().contains("left-recursive")) {
                // {"$ref": "#"}, or a $ref back to an enclosing schema as the first of its alternatives.
                throw new IllegalArgumentException("the JSON schema refers back to itself before any text is matched"
                        + " (a $ref cycle through anyOf, oneOf or $ref alone), which no grammar can express: "
                        + e.reason(), e);
            }
            throw new IllegalStateException("the grammar made from the JSON schema is refused by the validator, a bug"
                    + " in the converter: " + e.getMessage() + "\n" + grammar, e);
        }
        return grammar;
    }

    private String shared(String name) {
        if (usedShared.add(name)) {
            for (String dependency : switch (name) {
                case "json-string" -> List.of("json-char", "ws");
                case "json-number", "json-integer" -> List.of("json-int-part", "ws");
                case "json-boolean", "json-null" -> List.of("ws");
                case "json-value" -> List.of("json-object", "json-array", "json-string", "json-number",
                        "json-boolean", "json-null");
                case "json-object" -> List.of("ws", "json-string", "json-value");
                case "json-array" -> List.of("ws", "json-value");
                default -> List.<String>of();
            }) {
                shared(dependency);
            }
        }
        return name;
    }

    private String newRule(String hint, String body) {
        String name = hint.replaceAll("[^a-zA-Z0-9-]+", "-").replaceAll("^-+|-+$", "");
        if (name.isEmpty()) {
            name = "value";
        }
        String unique = name;
        for (int i = 2; !names.add(unique); i++) {
            unique = name + "-" + i;
        }
        if (body != null) {
            rules.put(unique, body);
        }
        return unique;
    }

    private static IllegalArgumentException error(String path, String message) {
        return new IllegalArgumentException("JSON schema at " + path + ": " + message);
    }

    /** A rule name for the values {@code schema} (at {@code path}) allows, followed by optional whitespace. */
    private String visit(JsonNode schema, String path, String hint) {
        if (schema.isBoolean()) {
            if (!schema.booleanValue()) {
                throw error(path, "the schema false allows no value");
            }
            return shared("json-value");
        }
        if (!schema.isObject()) {
            throw error(path, "a schema must be an object or a boolean, not " + schema.getNodeType());
        }
        Set<String> constraints = new LinkedHashSet<>();
        for (Iterator<String> it = schema.fieldNames(); it.hasNext();) {
            String keyword = it.next();
            if (KEYWORDS.contains(keyword)) {
                constraints.add(keyword);
            } else if (!ANNOTATIONS.contains(keyword)) {
                throw error(path, "unsupported keyword '" + keyword + "' (supported: " + String.join(", ",
                        KEYWORDS.stream().sorted().toList()) + ", and annotations)");
            }
        }
        if (constraints.contains("$ref")) {
            alone(path, constraints, "$ref");
            return reference(schema.get("$ref"), path);
        }
        for (String union : List.of("anyOf", "oneOf")) {
            if (constraints.contains(union)) {
                alone(path, constraints, union);
                JsonNode alternatives = schema.get(union);
                if (!alternatives.isArray() || alternatives.isEmpty()) {
                    throw error(path + "/" + union, "expected a non-empty array of schemas");
                }
                List<String> parts = new ArrayList<>();
                for (int i = 0; i < alternatives.size(); i++) {
                    parts.add(visit(alternatives.get(i), path + "/" + union + "/" + i, child(hint, "alt" + i)));
                }
                return newRule(hint, String.join(" | ", parts));
            }
        }
        JsonNode type = schema.get("type");
        if (type != null && type.isArray()) {
            if (type.isEmpty()) {
                throw error(path + "/type", "expected at least one type");
            }
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < type.size(); i++) {
                ObjectNode one = ((ObjectNode) schema).deepCopy();
                one.set("type", type.get(i));
                parts.add(visit(one, path, child(hint, type.get(i).asText())));
            }
            return newRule(hint, String.join(" | ", parts));
        }
        if (type != null && !(type.isTextual() && TYPES.contains(type.textValue()))) {
            throw error(path + "/type", "unknown type " + type + " (known: " + String.join(", ", TYPES) + ")");
        }
        if (constraints.contains("const")) {
            alone(path, constraints, "const", "type");
            return newRule(hint, literal(compact(schema.get("const"))) + " " + shared("ws"));
        }
        if (constraints.contains("enum")) {
            alone(path, constraints, "enum", "type");
            JsonNode values = schema.get("enum");
            if (!values.isArray() || values.isEmpty()) {
                throw error(path + "/enum", "expected a non-empty array of values");
            }
            List<String> parts = new ArrayList<>();
            values.forEach(v -> parts.add(literal(compact(v))));
            return newRule(hint, "(" + String.join(" | ", parts) + ") " + shared("ws"));
        }
        String kind = type == null ? inferType(path, constraints) : type.textValue();
        checkApplies(path, constraints, kind);
        return switch (kind) {
            case "object" -> object(schema, path, hint, constraints);
            case "array" -> array(schema, path, hint);
            case "string" -> string(schema, path, hint, constraints);
            case "number" -> shared("json-number");
            case "integer" -> shared("json-integer");
            case "boolean" -> shared("json-boolean");
            case "null" -> shared("json-null");
            default -> shared("json-value");
        };
    }

    private static void alone(String path, Set<String> constraints, String keyword, String... alsoAllowed) {
        for (String other : constraints) {
            if (!other.equals(keyword) && !List.of(alsoAllowed).contains(other)) {
                throw error(path, "'" + other + "' next to '" + keyword + "' is not supported (put it inside the"
                        + " alternatives or the referenced schema)");
            }
        }
    }

    private static String inferType(String path, Set<String> constraints) {
        Set<String> kinds = new LinkedHashSet<>();
        for (String c : constraints) {
            if (OBJECT_KEYWORDS.contains(c)) {
                kinds.add("object");
            } else if (ARRAY_KEYWORDS.contains(c)) {
                kinds.add("array");
            } else if (STRING_KEYWORDS.contains(c)) {
                kinds.add("string");
            }
        }
        if (kinds.size() > 1) {
            throw error(path, "keywords for several types (" + String.join(", ", kinds) + ") without a 'type'");
        }
        return kinds.isEmpty() ? "any" : kinds.iterator().next();
    }

    private static void checkApplies(String path, Set<String> constraints, String kind) {
        for (String c : constraints) {
            String needs = OBJECT_KEYWORDS.contains(c) ? "object" : ARRAY_KEYWORDS.contains(c) ? "array"
                    : STRING_KEYWORDS.contains(c) ? "string" : null;
            if (needs != null && !needs.equals(kind)) {
                throw error(path, "'" + c + "' applies to type " + needs + ", not " + kind);
            }
        }
    }

    private String object(JsonNode schema, String path, String hint, Set<String> constraints) {
        JsonNode properties = schema.get("properties");
        JsonNode additional = schema.get("additionalProperties");
        if (properties != null && !properties.isObject()) {
            throw error(path + "/properties", "expected an object of schemas");
        }
        if (additional != null && !additional.isBoolean() && !additional.isObject()) {
            throw error(path + "/additionalProperties", "expected a boolean or a schema");
        }
        Set<String> required = new LinkedHashSet<>();
        JsonNode requiredNode = schema.get("required");
        if (requiredNode != null) {
            if (!requiredNode.isArray()) {
                throw error(path + "/required", "expected an array of property names");
            }
            for (JsonNode name : requiredNode) {
                if (!name.isTextual()) {
                    throw error(path + "/required", "expected an array of property names");
                }
                if (properties == null || !properties.has(name.textValue())) {
                    throw error(path + "/required", "required property '" + name.textValue()
                            + "' is not in properties");
                }
                required.add(name.textValue());
            }
        }
        boolean anyKey = additional != null && !(additional.isBoolean() && !additional.booleanValue());
        if (properties == null || properties.isEmpty()) {
            if (additional == null && properties == null) {
                return shared("json-object");
            }
            if (!anyKey) {
                return newRule(hint, "\"{\" " + shared("ws") + " \"}\" " + shared("ws"));
            }
            String value = additional.isObject()
                    ? visit(additional, path + "/additionalProperties", child(hint, "value")) : shared("json-value");
            String kv = newRule(child(hint, "kv"), shared("json-string") + " \":\" " + shared("ws") + " " + value);
            return newRule(hint, "\"{\" ws (" + kv + " (\",\" ws " + kv + ")*)? \"}\" ws");
        }
        if (anyKey) {
            throw error(path + "/additionalProperties", "additionalProperties other than false together with"
                    + " properties is not supported");
        }
        List<String> requiredRules = new ArrayList<>();
        List<String> optionalRules = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> property = it.next();
            String name = property.getKey();
            String propertyPath = path + "/properties/" + pointerEscape(name);
            String value = visit(property.getValue(), propertyPath, child(hint, name));
            String kv = newRule(child(hint, name + "-kv"), literal(compact(JSON.getNodeFactory().textNode(name)))
                    + " " + shared("ws") + " \":\" ws " + value);
            (required.contains(name) ? requiredRules : optionalRules).add(kv);
        }
        StringBuilder body = new StringBuilder("\"{\" ws");
        for (int i = 0; i < requiredRules.size(); i++) {
            body.append(i == 0 ? " " : " \",\" ws ").append(requiredRules.get(i));
        }
        if (!optionalRules.isEmpty()) {
            if (!requiredRules.isEmpty()) {
                for (String kv : optionalRules) {
                    body.append(" (\",\" ws ").append(kv).append(")?");
                }
            } else {
                // The first property present goes without a comma; rest-i: any of the optional properties from i on.
                String[] rest = new String[optionalRules.size() + 1];
                for (int i = optionalRules.size() - 1; i >= 1; i--) {
                    String tail = rest[i + 1] == null ? "" : " " + rest[i + 1];
                    rest[i] = newRule(child(hint, "rest"), "(\",\" ws " + optionalRules.get(i) + ")?" + tail);
                }
                List<String> starts = new ArrayList<>();
                for (int i = 0; i < optionalRules.size(); i++) {
                    starts.add(optionalRules.get(i) + (rest[i + 1] == null ? "" : " " + rest[i + 1]));
                }
                body.append(" (").append(String.join(" | ", starts)).append(")?");
            }
        }
        body.append(" \"}\" ws");
        return newRule(hint, body.toString());
    }

    private String array(JsonNode schema, String path, String hint) {
        JsonNode items = schema.get("items");
        if (items != null && items.isArray()) {
            throw error(path + "/items", "an array of item schemas (a tuple) is not supported; give one schema");
        }
        String item = items == null ? shared("json-value") : visit(items, path + "/items", child(hint, "item"));
        int min = count(schema, "minItems", path, 0);
        int max = count(schema, "maxItems", path, -1);
        if (max >= 0 && max < min) {
            throw error(path, "maxItems " + max + " is below minItems " + min);
        }
        shared("ws");
        if (max == 0) {
            return newRule(hint, "\"[\" ws \"]\" ws");
        }
        String list = item;
        if (max != 1) {
            list += " (\",\" ws " + item + ")" + repetition(Math.max(min - 1, 0), max < 0 ? -1 : max - 1);
        }
        if (min == 0) {
            list = "(" + list + ")?";
        }
        return newRule(hint, "\"[\" ws " + list + " \"]\" ws");
    }

    private String string(JsonNode schema, String path, String hint, Set<String> constraints) {
        if (!constraints.contains("minLength") && !constraints.contains("maxLength")) {
            return shared("json-string");
        }
        int min = count(schema, "minLength", path, 0);
        int max = count(schema, "maxLength", path, -1);
        if (max >= 0 && max < min) {
            throw error(path, "maxLength " + max + " is below minLength " + min);
        }
        shared("json-char");
        String chars = max == 0 ? "" : " json-char" + repetition(min, max);
        return newRule(hint, "\"\\\"\"" + chars + " \"\\\"\" " + shared("ws"));
    }

    /** {@code {min,max}}, {@code *}, {@code +} or {@code ?} for a repetition; max -1 is unbounded. */
    private static String repetition(int min, int max) {
        if (max < 0) {
            return min == 0 ? "*" : min == 1 ? "+" : "{" + min + ",}";
        }
        if (min == 0 && max == 1) {
            return "?";
        }
        return min == max ? "{" + min + "}" : "{" + min + "," + max + "}";
    }

    private static int count(JsonNode schema, String keyword, String path, int absent) {
        JsonNode value = schema.get(keyword);
        if (value == null) {
            return absent;
        }
        if (!value.canConvertToExactIntegral() || value.asLong() < 0 || value.asLong() > GbnfValidator.MAX_REPETITION) {
            throw error(path + "/" + keyword, "expected an integer from 0 to " + GbnfValidator.MAX_REPETITION
                    + ", found " + value);
        }
        return value.asInt();
    }

    private String reference(JsonNode ref, String path) {
        if (!ref.isTextual() || !ref.textValue().startsWith("#")) {
            throw error(path + "/$ref", "only local references (#, #/$defs/name, #/definitions/name) are"
                    + " supported, found " + ref);
        }
        String pointer = ref.textValue();
        String known = refRules.get(pointer);
        if (known != null) {
            return known;
        }
        JsonNode target = pointer.length() == 1 ? document : document.at(pointer.substring(1));
        if (target == null || target.isMissingNode()) {
            throw error(path + "/$ref", "the reference " + pointer + " points to nothing");
        }
        String last = pointer.substring(pointer.lastIndexOf('/') + 1);
        String name = newRule(last.isEmpty() || pointer.length() == 1 ? "schema" : last, null);
        refRules.put(pointer, name);
        rules.put(name, ""); // reserves the place; filled below (the target may refer back to this rule)
        rules.put(name, visit(target, pointer, child(name, "value")));
        return name;
    }

    private static String child(String hint, String part) {
        return hint.isEmpty() ? part : hint + "-" + part;
    }

    private static String pointerEscape(String name) {
        return name.replace("~", "~0").replace("/", "~1");
    }

    private static String compact(JsonNode value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A GBNF string literal for {@code text}.
     *
     * @throws IllegalArgumentException when {@code text} holds an unpaired UTF-16 surrogate ({@code "\ud800"} in
     *     JSON), which has no UTF-8 form and so cannot be generated
     */
    static String literal(String text) {
        StringBuilder out = new StringBuilder("\"");
        text.codePoints().forEach(c -> {
            if (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE) {
                throw new IllegalArgumentException("the JSON schema holds a string with an unpaired UTF-16 surrogate"
                        + " (U+" + Integer.toHexString(c).toUpperCase() + "), which no text can contain");
            }
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7F) {
                        out.append(String.format("\\x%02X", c));
                    } else {
                        out.appendCodePoint(c);
                    }
                }
            }
        });
        return out.append('"').toString();
    }
}
