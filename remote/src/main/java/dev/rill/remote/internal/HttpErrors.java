package dev.rill.remote.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rill.PromptTooLongException;
import dev.rill.RejectedGenerationException;
import dev.rill.RillException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns an HTTP error status and the server's body into the exception Rill's API promises: 400 is an
 * {@link IllegalArgumentException}, or a {@link PromptTooLongException} when the server says the prompt exceeds
 * its context and gives the counts (Rill's {@code prompt_tokens=N, limit=M}, llama.cpp's {@code n_prompt_tokens}
 * and {@code n_ctx}, vLLM's sentence), 429 a {@link RejectedGenerationException}, anything else a {@link RillException}. Every message names
 * the status and the server's own message.
 */
public final class HttpErrors {
    private HttpErrors() {
    }

    /** Whether a request that got {@code status} may be sent again unchanged: the server did not start it. */
    public static boolean retryable(int status) {
        return status == 502 || status == 503 || status == 504;
    }

    /** The exception for {@code status} with {@code body} from {@code url}. */
    public static RuntimeException of(int status, String body, String url) {
        String message = message(body);
        String text = "HTTP " + status + " from " + url + ": " + message;
        if (status == 400) {
            PromptTooLongException tooLong = promptTooLong(body, message);
            return tooLong != null ? tooLong : new IllegalArgumentException(text);
        }
        if (status == 429) {
            return new RejectedGenerationException(text);
        }
        return new RillException(text);
    }

    /** The error's message: OpenAI's {@code error.message}, a plain {@code message} or {@code detail}, or the body. */
    public static String message(String body) {
        JsonNode root = Json.parseOrNull(body);
        if (root != null) {
            JsonNode error = root.get("error");
            if (error != null && error.isObject() && error.hasNonNull("message")) {
                return error.get("message").asText();
            }
            if (error != null && error.isTextual()) {
                return error.asText();
            }
            if (root.hasNonNull("message")) {
                return root.get("message").asText();
            }
            if (root.hasNonNull("detail")) {
                return root.get("detail").toString();
            }
        }
        String trimmed = body == null ? "" : body.strip();
        return trimmed.isEmpty() ? "(no body)" : trimmed.length() > 500 ? trimmed.substring(0, 500) + "..." : trimmed;
    }

    private static final Pattern RILL = Pattern.compile("prompt_tokens=(\\d+), limit=(\\d+)");
    private static final Pattern VLLM = Pattern.compile(
            "maximum context length is (\\d+) tokens.*?(\\d+) in the messages", Pattern.DOTALL);

    /** The exception for a prompt the server found too long, when the body says so with counts; else null. */
    static PromptTooLongException promptTooLong(String body, String message) {
        String lower = (message + " " + code(body)).toLowerCase(Locale.ROOT);
        if (!(lower.contains("context_length_exceeded") || lower.contains("exceed_context_size")
                || lower.contains("maximum context length") || lower.contains("exceeds the available context"))) {
            return null;
        }
        Matcher rill = RILL.matcher(message);
        if (rill.find()) {
            return new PromptTooLongException(Integer.parseInt(rill.group(1)), Integer.parseInt(rill.group(2)));
        }
        JsonNode root = Json.parseOrNull(body);
        JsonNode error = root == null ? null : root.get("error");
        if (error != null && error.hasNonNull("n_prompt_tokens") && error.hasNonNull("n_ctx")) {
            return new PromptTooLongException(error.get("n_prompt_tokens").asInt(), error.get("n_ctx").asInt());
        }
        Matcher vllm = VLLM.matcher(message);
        if (vllm.find()) {
            return new PromptTooLongException(Integer.parseInt(vllm.group(2)), Integer.parseInt(vllm.group(1)));
        }
        return null;
    }

    private static String code(String body) {
        JsonNode root = Json.parseOrNull(body);
        if (root != null && root.get("error") instanceof JsonNode error && error.isObject()) {
            return error.path("code").asText("") + " " + error.path("type").asText("");
        }
        return "";
    }
}
