package dev.rill.internal.engine;

import dev.rill.internal.llama.LlamaAdapterHandle;

/** An adapter of a request, resolved to its native handle, with its scale. Equal by handle identity and scale. */
public record ResolvedAdapter(LlamaAdapterHandle handle, float scale) {
}
