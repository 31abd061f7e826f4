package dev.rill.adapters;

import dev.rill.AdapterSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A resolved {@link AdapterSelection} whose adapters are pinned in native memory until {@link #close()}: the
 * cache may still evict them, but does not free them while the lease is open, so {@link #adapters()} stays usable
 * for requests and switches. Close it when the generations that use it have ended (or been submitted: a
 * submitted generation keeps its adapters alive by itself, see {@link AdapterRegistry}). Thread-safe.
 */
public final class AdapterLease implements AutoCloseable {
    private final AdapterRegistry registry;
    private final AdapterSelection selection;
    private final AdapterSet adapters;
    private final List<AdapterRegistry.Resident> pinned;
    private final AtomicBoolean closed = new AtomicBoolean();

    AdapterLease(AdapterRegistry registry, AdapterSelection selection, AdapterSet adapters,
                 List<AdapterRegistry.Resident> pinned) {
        this.registry = registry;
        this.selection = selection;
        this.adapters = adapters;
        this.pinned = pinned;
    }

    /** The selection it resolves. */
    public AdapterSelection selection() {
        return selection;
    }

    /** The loaded adapters with their scales, for {@code GenerationRequest.Builder.adapters} or a switch. */
    public AdapterSet adapters() {
        return adapters;
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed.get();
    }

    /** Drops the pins. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            registry.unpin(pinned);
        }
    }

    @Override
    public String toString() {
        return "AdapterLease[" + selection + (closed.get() ? ", closed]" : "]");
    }
}
