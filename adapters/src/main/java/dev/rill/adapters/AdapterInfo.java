package dev.rill.adapters;

import java.nio.file.Path;

/**
 * A snapshot of one registered adapter.
 *
 * @param name         its name
 * @param path         its GGUF file
 * @param defaultScale the scale a request gets when it names the adapter without one
 * @param load         its load policy
 * @param state        registered, loaded or in use
 * @param sizeBytes    bytes of its tensors (from the file's tensor infos): what it occupies in native memory once
 *                     loaded, and its weight in the cache
 * @param pins         leases and registry-started generations that hold it now
 * @param cached       whether it counts against the cache's bound (false for one not loaded, and for one evicted
 *                     while in use, which is freed once its last user ends)
 */
public record AdapterInfo(String name, Path path, float defaultScale, LoadPolicy load, AdapterState state,
                          long sizeBytes, int pins, boolean cached) {
}
