package dev.rill.llama;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The llama.cpp library this JVM loaded, and what it runs on.
 *
 * @param profile which llama.cpp release the library is
 * @param release the release as llama.cpp names it (e.g. {@code v0.4.0}, {@code b4916})
 * @param library the shared library file
 * @param origin where it came from (a {@code rill-native} jar, de.kherud:llama, a configured path)
 * @param devices the devices its backends offer, as "name: description (type)"; b4916 reports none
 * @param cpuVariant the CPU backend variant loaded (e.g. {@code zen4}, {@code haswell}), if the release has
 *     variants
 * @param systemInfo llama.cpp's one-line summary of the CPU features and backends in use
 */
public record NativeRuntime(LlamaProfile profile, String release, Path library, String origin, List<String> devices,
                            Optional<String> cpuVariant, String systemInfo) {
    /** Copies the device list. */
    public NativeRuntime {
        devices = List.copyOf(devices);
    }
}
