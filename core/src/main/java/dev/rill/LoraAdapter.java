package dev.rill;

import dev.rill.internal.llama.LlamaAdapterHandle;
import java.nio.file.Path;

/**
 * A LoRA adapter loaded into llama.cpp for one {@link Model} ({@link Model#loadAdapter(Path)}), ready to be
 * named in an {@link AdapterSet}.
 *
 * <p>Native memory: the adapter's tensors stay in native memory until {@link #close()}. Closing an adapter that
 * running generations still use is safe: they keep it until they end, and it is freed after the last of them
 * (and after the engine detached it). A closed adapter cannot be used by new requests. Closing the model frees
 * every adapter left open. Thread-safe.
 */
public final class LoraAdapter implements AutoCloseable {
    private final LlamaAdapterHandle handle;
    private final Model model;

    LoraAdapter(Model model, LlamaAdapterHandle handle) {
        this.model = model;
        this.handle = handle;
    }

    /** The adapter file. */
    public Path path() {
        return handle.path();
    }

    /** The bytes of the adapter's tensors: what it occupies in memory once loaded. */
    public long sizeBytes() {
        return handle.tensorBytes();
    }

    /** The model it belongs to. */
    public Model model() {
        return model;
    }

    /** Whether a running generation (or the engine, for one) still uses it. */
    public boolean isInUse() {
        return handle.users() > 0;
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return handle.isClosed();
    }

    /** Whether its native memory was freed (after close, once nothing uses it). */
    public boolean isFreed() {
        return handle.isFreed();
    }

    LlamaAdapterHandle handle() {
        return handle;
    }

    /** Frees the adapter once no running generation uses it. Idempotent. */
    @Override
    public void close() {
        handle.releaseOwner();
    }

    @Override
    public String toString() {
        return "LoraAdapter[" + handle.path() + "]";
    }
}
