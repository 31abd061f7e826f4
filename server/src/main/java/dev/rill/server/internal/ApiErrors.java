package dev.rill.server.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rill.AdapterLoadException;
import dev.rill.ChatTemplateException;
import dev.rill.GenerationException;
import dev.rill.PromptTooLongException;
import dev.rill.RejectedGenerationException;
import dev.rill.RillException;
import dev.rill.TextTooLongException;
import dev.rill.adapters.ManifestException;
import java.util.concurrent.CancellationException;

/** Turns what a request can fail with into the {@link ApiException} a client sees. */
final class ApiErrors {
    private ApiErrors() {
    }

    /**
     * The API error for a failure. {@code closing} tells whether the server is shutting down, which turns a
     * refused submission into 503 rather than 429.
     */
    static ApiException of(Throwable failure, boolean closing) {
        Throwable e = failure;
        if (e instanceof java.util.concurrent.CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return switch (e) {
            case ApiException api -> api;
            case PromptTooLongException tooLong -> ApiException.invalid("messages", "context_length_exceeded",
                    "The prompt is " + tooLong.promptTokens() + " tokens long, but a sequence of this server holds at "
                            + "most " + tooLong.limit() + " prompt tokens (prompt_tokens=" + tooLong.promptTokens()
                            + ", limit=" + tooLong.limit() + ")");
            case TextTooLongException tooLong -> ApiException.invalid("input", "context_length_exceeded",
                    tooLong.getMessage());
            case RejectedGenerationException rejected -> closing ? ApiException.shuttingDown()
                    : ApiException.queueFull("The request queue is full: " + rejected.getMessage(), 1);
            case IllegalStateException closed when closing -> ApiException.shuttingDown();
            case ChatTemplateException template -> ApiException.invalid("messages", "The chat template failed: "
                    + template.getMessage());
            case AdapterLoadException adapter -> ApiException.invalid(null, "adapter_load_failed", adapter.getMessage());
            case ManifestException manifest -> ApiException.invalid(null, "adapter_load_failed", manifest.getMessage());
            case GenerationException generation -> ApiException.internal("The generation failed: "
                    + generation.getMessage(), generation);
            case IllegalArgumentException invalid -> ApiException.invalid(null, invalid.getMessage());
            case CancellationException cancelled -> closing ? ApiException.shuttingDown()
                    : ApiException.internal("The request was cancelled", cancelled);
            case RillException rill -> ApiException.invalid(null, rill.getMessage());
            default -> ApiException.internal("Internal error: " + e, e);
        };
    }

    /** The OpenAI error body. */
    static ObjectNode body(ApiException e) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", e.getMessage());
        error.put("type", e.type());
        error.put("param", e.param());
        error.put("code", e.code());
        return root;
    }
}
