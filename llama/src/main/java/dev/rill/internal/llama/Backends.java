package dev.rill.internal.llama;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The ggml backends of the current llama.cpp release, which are shared libraries of their own
 * ({@code libggml-cpu-<variant>.so}, {@code libggml-cuda.so}, ...) loaded from a folder before
 * {@code llama_backend_init}. By default every backend of the folder is loaded with llama.cpp's own choice
 * ({@code ggml_backend_load_all_from_path}: for each kind the variant that scores highest on this machine);
 * a CPU variant can be forced instead.
 */
final class Backends {
    private Backends() {
    }

    /** What was loaded: each device as "name: description (type)", and the CPU variant if one was chosen. */
    record Loaded(List<String> devices, String cpuVariant) {
    }

    // void ggml_backend_load_all_from_path(const char * dir_path);
    private static final MethodHandle LOAD_ALL_FROM_PATH =
            Llama.downcall("ggml_backend_load_all_from_path", FunctionDescriptor.ofVoid(ADDRESS));
    // ggml_backend_reg_t ggml_backend_load(const char * path);
    private static final MethodHandle LOAD = Llama.downcall("ggml_backend_load", FunctionDescriptor.of(ADDRESS, ADDRESS));
    // size_t ggml_backend_reg_count(void);
    private static final MethodHandle REG_COUNT = Llama.downcall("ggml_backend_reg_count", FunctionDescriptor.of(JAVA_LONG));
    // size_t ggml_backend_dev_count(void);
    private static final MethodHandle DEV_COUNT = Llama.downcall("ggml_backend_dev_count", FunctionDescriptor.of(JAVA_LONG));
    // ggml_backend_dev_t ggml_backend_dev_get(size_t index);
    private static final MethodHandle DEV_GET = Llama.downcall("ggml_backend_dev_get", FunctionDescriptor.of(ADDRESS, JAVA_LONG));
    // const char * ggml_backend_dev_name(ggml_backend_dev_t device);
    private static final MethodHandle DEV_NAME = Llama.downcall("ggml_backend_dev_name", FunctionDescriptor.of(ADDRESS, ADDRESS));
    // const char * ggml_backend_dev_description(ggml_backend_dev_t device);
    private static final MethodHandle DEV_DESCRIPTION =
            Llama.downcall("ggml_backend_dev_description", FunctionDescriptor.of(ADDRESS, ADDRESS));
    // enum ggml_backend_dev_type ggml_backend_dev_type(ggml_backend_dev_t device);
    private static final MethodHandle DEV_TYPE = Llama.downcall("ggml_backend_dev_type", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    private static final String[] DEVICE_TYPES = {"CPU", "GPU", "integrated GPU", "accelerator", "meta"};

    /**
     * Loads the backends of {@code dir}.
     *
     * @param cpuVariant a CPU variant to load instead of the best one (e.g. {@code haswell}), or null
     * @throws LlamaLibraryException when the forced variant is missing or cannot run here, or no backend loads
     */
    static Loaded load(Path dir, String cpuVariant) {
        List<Path> cpuVariants = cpuVariants(dir);
        String chosen;
        try (Arena arena = Arena.ofConfined()) {
            if (cpuVariant == null) {
                LOAD_ALL_FROM_PATH.invokeExact(arena.allocateFrom(dir.toString()));
                chosen = bestScoring(cpuVariants);
            } else {
                Path forced = dir.resolve(prefix() + "cpu-" + cpuVariant + extension());
                if (!Files.isRegularFile(forced)) {
                    throw new LlamaLibraryException("The CPU variant \"" + cpuVariant + "\" is not in " + dir
                            + "; there are: " + String.join(", ", cpuVariants.stream().map(Backends::variantName).toList()));
                }
                for (Path other : otherBackends(dir)) {
                    MemorySegment ignored = (MemorySegment) LOAD.invokeExact(arena.allocateFrom(other.toString()));
                }
                MemorySegment registered = (MemorySegment) LOAD.invokeExact(arena.allocateFrom(forced.toString()));
                if (registered.equals(MemorySegment.NULL)) {
                    throw new LlamaLibraryException(NativeLog.withRecent("The CPU variant \"" + cpuVariant
                            + "\" (" + forced + ") cannot run on this processor"));
                }
                chosen = cpuVariant;
            }
            if ((long) REG_COUNT.invokeExact() == 0) {
                throw new LlamaLibraryException("No ggml backend could be loaded from " + dir
                        + " (a folder of the current llama.cpp release holds libggml-cpu-*.so files)");
            }
            return new Loaded(devices(), chosen);
        } catch (LlamaLibraryException e) {
            throw e;
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    private static List<String> devices() throws Throwable {
        List<String> devices = new ArrayList<>();
        long count = (long) DEV_COUNT.invokeExact();
        for (long i = 0; i < count; i++) {
            MemorySegment device = (MemorySegment) DEV_GET.invokeExact(i);
            String name = string((MemorySegment) DEV_NAME.invokeExact(device));
            String description = string((MemorySegment) DEV_DESCRIPTION.invokeExact(device));
            int type = (int) DEV_TYPE.invokeExact(device);
            String kind = type >= 0 && type < DEVICE_TYPES.length ? DEVICE_TYPES[type] : "type " + type;
            devices.add(name + ": " + description + " (" + kind + ")");
        }
        return List.copyOf(devices);
    }

    private static String string(MemorySegment text) {
        return text.equals(MemorySegment.NULL) ? "" : text.reinterpret(4096).getString(0);
    }

    /** The CPU variant llama.cpp's loader picks: the highest {@code ggml_backend_score}, first on ties. */
    private static String bestScoring(List<Path> variants) {
        String best = null;
        int bestScore = 0;
        FunctionDescriptor scoreType = FunctionDescriptor.of(JAVA_INT);
        for (Path variant : variants) {
            try (Arena arena = Arena.ofConfined()) {
                SymbolLookup lookup = SymbolLookup.libraryLookup(variant, arena);
                var score = lookup.find("ggml_backend_score");
                if (score.isEmpty()) {
                    continue;
                }
                int value = (int) Linker.nativeLinker().downcallHandle(score.get(), scoreType).invokeExact();
                if (value > bestScore) {
                    bestScore = value;
                    best = variantName(variant);
                }
            } catch (Throwable t) {
                // A variant that does not load is not the one llama.cpp picked either.
            }
        }
        return best;
    }

    private static List<Path> cpuVariants(Path dir) {
        return list(dir).filter(p -> p.getFileName().toString().startsWith(prefix() + "cpu")).toList();
    }

    private static List<Path> otherBackends(Path dir) {
        return list(dir).filter(p -> {
            String name = p.getFileName().toString();
            return name.startsWith(prefix()) && !name.startsWith(prefix() + "cpu") && !name.startsWith(prefix() + "base");
        }).toList();
    }

    private static Stream<Path> list(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(extension())).sorted().toList().stream();
        } catch (IOException e) {
            throw new LlamaLibraryException("Cannot list the backends in " + dir + ": " + e.getMessage(), e);
        }
    }

    static String variantName(Path file) {
        String name = file.getFileName().toString();
        String stem = name.substring(prefix().length(), name.length() - extension().length());
        return stem.startsWith("cpu-") ? stem.substring(4) : stem;
    }

    private static boolean windows() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("windows");
    }

    /** ggml names backends {@code libggml-*.so}, {@code ggml-*.dll} on Windows (also {@code .so} on macOS). */
    private static String prefix() {
        return windows() ? "ggml-" : "libggml-";
    }

    private static String extension() {
        return windows() ? ".dll" : ".so";
    }
}
