package dev.rill.internal.llama;

import dev.rill.llama.LlamaProfile;
import dev.rill.llama.NativeRuntime;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the llama.cpp library once per JVM, tells which release it is, checks it, and sets it up: log routing,
 * backends (current release), backend initialisation. A library is never unloaded (llama.cpp keeps global
 * state); asking for a different library or profile later is an error.
 *
 * <p>The profile is read from the library itself: the current release exports {@code llama_get_memory}, b4916
 * exports {@code llama_kv_self_seq_rm}; a library exporting neither is refused. Then the profile's struct
 * layouts are checked against the defaults the library writes.
 */
public final class LlamaRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(LlamaRuntime.class);

    /** System property asking for a profile: {@code current} or {@code b4916}. */
    public static final String PROFILE_PROPERTY = "rill.llama.profile";
    /** Environment variable asking for a profile, read when the property is not set. */
    public static final String PROFILE_ENV = "RILL_LLAMA_PROFILE";
    /** System property forcing a CPU backend variant of the current release, e.g. {@code haswell}. */
    public static final String CPU_VARIANT_PROPERTY = "rill.llama.cpu-variant";
    /** Environment variable forcing a CPU backend variant, read when the property is not set. */
    public static final String CPU_VARIANT_ENV = "RILL_LLAMA_CPU_VARIANT";

    private static SymbolLookup symbols;
    private static ProfileBinding binding;
    private static NativeRuntime runtime;
    private static LlamaLibraryException failure;

    private LlamaRuntime() {
    }

    /**
     * Loads the library on the first call (from {@code configured} if not null, else in
     * {@link NativeLibraryLocator}'s order); later calls return at once, or throw the first call's failure again.
     *
     * @param requested the profile asked for, or null for the system property, environment variable or default
     * @throws LlamaLibraryException when no library loads, it is of neither supported release, of another
     *     profile than requested, its layouts differ, or another library or profile is already loaded
     */
    public static synchronized void initialize(Path configured, LlamaProfile requested) {
        LlamaProfile wanted = requested != null ? requested : requestedBySetting();
        if (runtime != null) {
            if (configured != null && !sameFile(configured, runtime.library())) {
                throw new LlamaLibraryException("llama.cpp is already loaded from " + runtime.library() + " ("
                        + runtime.origin() + "); a JVM can load it once, so " + configured + " cannot be used as well");
            }
            if (wanted != null && wanted != runtime.profile()) {
                throw new LlamaLibraryException("llama.cpp " + runtime.profile().label() + " is already loaded from "
                        + runtime.library() + "; a JVM loads one llama.cpp, so profile " + wanted.label()
                        + " cannot be used as well (run it in another JVM)");
            }
            return;
        }
        if (failure != null && configured == null && requested == null) {
            throw failure;
        }
        try {
            var located = NativeLibraryLocator.locate(configured, wanted, Arena.global());
            symbols = located.symbols();
            try {
                ProfileBinding chosen = bindingFor(located, wanted);
                Llama.logSet(NativeLog.upcallStub(), MemorySegment.NULL);
                List<String> problems = chosen.layoutProblems();
                if (!problems.isEmpty()) {
                    throw new LlamaLibraryException("The llama.cpp library at " + located.path()
                            + " does not match the struct layouts of llama.cpp " + chosen.profile().label() + ":\n  "
                            + String.join("\n  ", problems) + "\nUse a build of a llama.cpp release Rill speaks"
                            + " (the current release v0.4.0, or b4916).");
                }
                Backends.Loaded backends = chosen.profile() == LlamaProfile.CURRENT
                        ? Backends.load(located.backendDir(), cpuVariantSetting())
                        : noBackendsOnB4916();
                Llama.backendInit();
                binding = chosen;
                runtime = new NativeRuntime(chosen.profile(), release(chosen, located), located.path(), located.origin(),
                        backends.devices(), Optional.ofNullable(backends.cpuVariant()), systemInfo());
            } catch (RuntimeException | LinkageError e) {
                symbols = null;
                throw e instanceof LlamaLibraryException n ? n
                        : new LlamaLibraryException("The llama.cpp library at " + located.path()
                                + " could not be linked: " + rootMessage(e), e);
            }
            failure = null;
            LOG.debug("llama.cpp {} loaded from {} ({}), CPU variant {}, devices {}: {}", runtime.release(),
                    runtime.library(), runtime.origin(), runtime.cpuVariant().orElse("-"), runtime.devices(),
                    runtime.systemInfo());
        } catch (LlamaLibraryException e) {
            failure = e;
            throw e;
        }
    }

    private static ProfileBinding bindingFor(NativeLibraryLocator.Located located, LlamaProfile wanted) {
        LlamaProfile found;
        if (located.symbols().find("llama_get_memory").isPresent()) {
            found = LlamaProfile.CURRENT;
        } else if (located.symbols().find("llama_kv_self_seq_rm").isPresent()) {
            found = LlamaProfile.B4916;
        } else {
            throw new LlamaLibraryException("The llama.cpp library at " + located.path() + " (" + located.origin()
                    + ") is of neither release Rill speaks: it exports neither llama_get_memory (the current release)"
                    + " nor llama_kv_self_seq_rm (b4916)");
        }
        if (wanted != null && wanted != found) {
            throw new LlamaLibraryException("Profile " + wanted.label() + " was asked for, but the library at "
                    + located.path() + " (" + located.origin() + ") is llama.cpp " + found.label());
        }
        return found == LlamaProfile.CURRENT ? CurrentBinding.INSTANCE : B4916Binding.INSTANCE;
    }

    private static Backends.Loaded noBackendsOnB4916() {
        if (cpuVariantSetting() != null) {
            LOG.warn("{} is set, but llama.cpp b4916 is one library with its CPU code built in: ignored",
                    CPU_VARIANT_PROPERTY);
        }
        return new Backends.Loaded(List.of(), null);
    }

    private static String release(ProfileBinding chosen, NativeLibraryLocator.Located located) {
        if (located.distribution() != null && located.distribution().getProperty("llama.release") != null) {
            return located.distribution().getProperty("llama.release");
        }
        if (chosen.profile() == LlamaProfile.B4916) {
            return "b4916";
        }
        return symbols.find("llama_version").isPresent() ? Llama.version() : "current";
    }

    private static LlamaProfile requestedBySetting() {
        String value = System.getProperty(PROFILE_PROPERTY);
        String source = "system property " + PROFILE_PROPERTY;
        if (value == null || value.isBlank()) {
            value = System.getenv(PROFILE_ENV);
            source = "environment variable " + PROFILE_ENV;
        }
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return LlamaProfile.fromLabel(value);
        } catch (IllegalArgumentException e) {
            throw new LlamaLibraryException("The " + source + " is \"" + value + "\": use current or b4916");
        }
    }

    private static String cpuVariantSetting() {
        String value = System.getProperty(CPU_VARIANT_PROPERTY);
        if (value == null || value.isBlank()) {
            value = System.getenv(CPU_VARIANT_ENV);
        }
        return value == null || value.isBlank() ? null : value.strip();
    }

    static SymbolLookup symbols() {
        return Objects.requireNonNull(symbols, "LlamaRuntime.initialize was not called");
    }

    /** The loaded release's binding. */
    static ProfileBinding binding() {
        return Objects.requireNonNull(binding, "LlamaRuntime.initialize was not called");
    }

    /** The loaded library, its release and backends; throws when none is loaded yet. */
    public static synchronized NativeRuntime runtime() {
        return Objects.requireNonNull(runtime, "LlamaRuntime.initialize was not called");
    }

    /** Where the loaded library came from, for diagnostics. */
    public static synchronized String describe() {
        return runtime == null ? "not loaded" : runtime.library() + " (" + runtime.origin() + ", llama.cpp "
                + runtime.release() + ")";
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
