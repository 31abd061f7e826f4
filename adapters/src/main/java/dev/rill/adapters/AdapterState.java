package dev.rill.adapters;

/** Where a registered adapter stands. */
public enum AdapterState {
    /** Known by name; not in native memory. */
    REGISTERED,
    /** In native memory, and nothing uses it: the cache may evict (and free) it. */
    LOADED,
    /**
     * In native memory and used: pinned by a lease or a generation the registry started, or still named by a
     * running generation (or attached to the context). Eviction does not free it while it is.
     */
    IN_USE
}
