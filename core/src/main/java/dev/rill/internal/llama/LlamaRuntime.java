package dev.rill.internal.llama;

import dev.rill.NativeLibraryException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Path;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the llama.cpp library once per JVM, checks it, and sets it up: log routing, backend initialisation.
 * A library is never unloaded (llama.cpp keeps global state); asking for a different one later is an error.
 */
public final class LlamaRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(LlamaRuntime.class);

    private static SymbolLookup symbols;
    private static Path loadedFrom;
    private static String origin;
    private static NativeLibraryException failure;

    private LlamaRuntime() {
    }

    /**
     * Loads the library (from {@code configured} if not null, else in {@link NativeLibraryLocator}'s order) on
     * the first call; later calls return at once, or throw the first call's failure again.
     *
     * @throws NativeLibraryException when no library loads, it does not match b4916, or {@code configured}
     *     names another library than the one already loaded
     */
    public static synchronized void initialize(Path configured) {
        if (symbols != null) {
            if (configured != null && !sameFile(configured, loadedFrom)) {
                throw new NativeLibraryException("llama.cpp is already loaded from " + loadedFrom + " (" + origin
                        + "); a JVM can load it once, so " + configured + " cannot be used as well");
            }
            return;
        }
        if (failure != null && configured == null) {
            throw failure;
        }
        try {
            var located = NativeLibraryLocator.locate(configured, Arena.global());
            symbols = located.symbols();
            try {
                Llama.logSet(NativeLog.upcallStub(), MemorySegment.NULL);
                LayoutCheck.verify(located.path().toString());
                Llama.backendInit();
            } catch (RuntimeException | LinkageError e) {
                symbols = null;
                throw e instanceof NativeLibraryException n ? n
                        : new NativeLibraryException("The llama.cpp library at " + located.path()
                                + " could not be linked: " + rootMessage(e), e);
            }
            loadedFrom = located.path();
            origin = located.origin();
            failure = null;
            LOG.debug("llama.cpp loaded from {} ({}): {}", loadedFrom, origin, systemInfo());
        } catch (NativeLibraryException e) {
            failure = e;
            throw e;
        }
    }

    static SymbolLookup symbols() {
        return Objects.requireNonNull(symbols, "LlamaRuntime.initialize was not called");
    }

    /** Where the loaded library came from, for diagnostics. */
    public static synchronized String describe() {
        return symbols == null ? "not loaded" : loadedFrom + " (" + origin + ")";
    }

    /** llama.cpp's one-line summary of the CPU features and backends it was built with. */
    public static String systemInfo() {
        return Llama.printSystemInfo().reinterpret(4096).getString(0).strip();
    }

    /** Whether the loaded library can offload layers to a GPU (CUDA, Metal, ...). */
    public static boolean supportsGpuOffload() {
        return Llama.supportsGpuOffload();
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return java.nio.file.Files.isSameFile(a, b);
        } catch (java.io.IOException e) {
            return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
        }
    }
}
