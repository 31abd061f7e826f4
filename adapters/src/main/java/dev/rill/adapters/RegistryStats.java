package dev.rill.adapters;

import java.time.Duration;

/**
 * Counters of an {@link AdapterRegistry} since it was created.
 *
 * @param registered     adapters registered now
 * @param loaded         adapters in native memory now (cached or still in use after eviction)
 * @param cachedBytes    bytes of the adapters the cache holds now; at most {@code maximumBytes} once the cache
 *                       settled (an adapter larger than the bound is evicted as soon as it is loaded)
 * @param loadedBytes    bytes of every adapter in native memory, including those evicted but still in use
 * @param maximumBytes   the cache's bound
 * @param hits           uses that found the adapter in memory
 * @param misses         uses that had to load it
 * @param loads          successful loads
 * @param failedLoads    loads that failed
 * @param evictions      adapters the cache evicted for the bound
 * @param totalLoadTime  time spent loading (llama_adapter_lora_init and the checks before it)
 */
public record RegistryStats(int registered, int loaded, long cachedBytes, long loadedBytes, long maximumBytes,
                            long hits, long misses, long loads, long failedLoads, long evictions,
                            Duration totalLoadTime) {
}
