package dev.rill.natives;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The contract between a rill-native-* jar and Rill's native loader (docs/natives.md), checked the same way on the
 * module's target/classes ({@link NativeContractTest}) and on the built jar ({@link NativeJarIT}). The tests are shared
 * by every module under natives/; the module's pom passes what it pinned as system properties.
 */
final class NativeContract {

    static final String PROPERTIES = "rill-native.properties";

    private static final Pattern LLAMA_LIBRARY = Pattern.compile("(lib)?llama\\.([A-Za-z0-9_.-]+\\.)?(so|dylib|dll)");
    private static final Pattern CPU_VARIANT = Pattern.compile("(lib)?ggml-cpu-.+\\.(so|dylib|dll)");

    final String platform = required("rill.native.platform");
    final String npmVersion = required("rill.native.npm.version");
    final String npmIntegrity = required("rill.native.npm.integrity");
    final String moduleName = required("rill.native.module");

    /** Folder of the libraries inside the jar (and under target/classes). */
    String folder() {
        return "dev/rill/native/" + platform + "/";
    }

    private static String required(String key) {
        String value = System.getProperty(key);
        if (value == null || value.isBlank()) {
            fail("system property " + key + " is not set; natives/pom.xml passes it to surefire");
        }
        return value;
    }

    /** Checks the keys of rill-native.properties and returns the listed files, in their order. */
    List<String> checkProperties(Properties properties) {
        for (String key : List.of("platform", "os", "arch", "backend", "llama.release", "npm.package", "npm.version",
                "npm.integrity", "library", "files")) {
            String value = properties.getProperty(key);
            assertTrue(value != null && !value.isBlank(), PROPERTIES + " has no " + key);
        }
        assertEquals(platform, properties.getProperty("platform"));
        assertTrue(Set.of("linux", "mac", "windows").contains(properties.getProperty("os")), "os");
        assertTrue(Set.of("x86_64", "aarch64").contains(properties.getProperty("arch")), "arch");
        assertTrue(Set.of("cpu", "cuda", "vulkan", "metal").contains(properties.getProperty("backend")), "backend");
        assertTrue(properties.getProperty("llama.release").matches("[vb][0-9][0-9.]*"),
                "llama.release looks like a llama.cpp release tag: " + properties.getProperty("llama.release"));
        assertEquals("@node-llama-cpp/" + platform, properties.getProperty("npm.package"));
        assertEquals(npmVersion, properties.getProperty("npm.version"), "npm.version is the pom's pin");
        assertEquals(npmIntegrity, properties.getProperty("npm.integrity"), "npm.integrity is the pom's pin");
        // The platform name carries the os, the arch and (for GPU builds) the backend.
        String os = properties.getProperty("os");
        assertTrue(platform.startsWith(os.equals("windows") ? "win-" : os + "-"), "os " + os + " for " + platform);
        assertTrue(platform.contains(properties.getProperty("arch").equals("x86_64") ? "-x64" : "-arm64"), "arch");
        String backend = properties.getProperty("backend");
        assertTrue(backend.equals("cpu") || platform.contains("-" + backend), "backend " + backend + " for " + platform);

        List<String> files = Arrays.asList(properties.getProperty("files").split(","));
        assertEquals(files.size(), new LinkedHashSet<>(files).size(), "files lists a name twice: " + files);
        for (String file : files) {
            assertTrue(file.matches("[A-Za-z0-9._+-]+"), "file name " + file);
            assertFalse(file.endsWith(".node") || file.equals("_nlcBuildMetadata.json"), "node-specific file " + file);
            assertFalse(file.startsWith("libllama-common.") || file.startsWith("llama-common."),
                    "llama-common is left out: " + file);
            assertTrue(file.matches(".*\\.(so|dylib|dll)"), "only shared libraries: " + file);
            assertTrue(properties.getProperty("sha256." + file, "").matches("[0-9a-f]{64}"), "sha256." + file);
        }
        String library = properties.getProperty("library");
        assertTrue(files.contains(library), "library " + library + " is one of the files");
        assertTrue(LLAMA_LIBRARY.matcher(library).matches(), "library " + library + " is the llama library");
        assertTrue(files.stream().anyMatch(f -> CPU_VARIANT.matcher(f).matches()), "a ggml-cpu variant: " + files);
        for (String key : properties.stringPropertyNames()) {
            if (key.startsWith("sha256.")) {
                assertTrue(files.contains(key.substring("sha256.".length())), key + " names a listed file");
            }
        }
        return files;
    }

    static String sha256(InputStream in) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Checks that a file is a shared library of the properties' os and arch, from its header. */
    static void checkBinaryHeader(String name, byte[] head, Properties properties) {
        ByteBuffer b = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
        String os = properties.getProperty("os");
        boolean x64 = properties.getProperty("arch").equals("x86_64");
        switch (os) {
            case "linux" -> {
                assertTrue(head.length >= 20 && b.getInt(0) == 0x464C457F, name + " is an ELF file");
                assertEquals(3, b.getShort(16), name + " is an ELF shared object (ET_DYN)");
                assertEquals(x64 ? 62 : 183, b.getShort(18), name + " is for " + properties.getProperty("arch"));
            }
            case "mac" -> {
                assertTrue(head.length >= 16 && b.getInt(0) == 0xFEEDFACF, name + " is a 64-bit Mach-O file");
                assertEquals(x64 ? 0x01000007 : 0x0100000C, b.getInt(4), name + " cpu type");
                int type = b.getInt(12);
                assertTrue(type == 6 || type == 8, name + " is a Mach-O dylib or bundle, not type " + type);
            }
            case "windows" -> {
                assertTrue(head.length >= 64 && head[0] == 'M' && head[1] == 'Z', name + " is a PE file");
                int pe = b.getInt(0x3C);
                assertTrue(pe + 24 <= head.length && b.getInt(pe) == 0x00004550, name + " has a PE header");
                assertEquals(x64 ? (short) 0x8664 : (short) 0xAA64, b.getShort(pe + 4), name + " machine");
                assertTrue((b.getShort(pe + 22) & 0x2000) != 0, name + " is a DLL");
            }
            default -> fail("os " + os);
        }
    }

    static byte[] head(InputStream in) throws IOException {
        return in.readNBytes(4096);
    }

    /** Whether this JVM runs on the os and arch the libraries are built for, so that they can be loaded here. */
    static boolean loadableHere(Properties properties) {
        String osName = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String os = osName.startsWith("linux") ? "linux" : osName.startsWith("mac") ? "mac"
                : osName.startsWith("windows") ? "windows" : osName;
        String arch = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> System.getProperty("os.arch");
        };
        return os.equals(properties.getProperty("os")) && arch.equals(properties.getProperty("arch"));
    }

    /**
     * Opens the llama library of a folder the way the loader does (dlopen through FFM: its RUNPATH/rpath finds the
     * ggml libraries beside it), finds the entry points Rill needs, loads the ggml backends from the folder and
     * returns the names of the devices they registered (at least the CPU).
     */
    @SuppressWarnings("restricted") // the point of the test: load the native library as the loader does
    static List<String> loadAndListDevices(Path folder, Properties properties) throws Throwable {
        Path library = folder.resolve(properties.getProperty("library"));
        // Global arena: the library stays loaded for the rest of this test JVM, as it will in an application.
        SymbolLookup lookup = SymbolLookup.libraryLookup(library, Arena.global());
        Linker linker = Linker.nativeLinker();
        MemorySegment backendInit = lookup.find("llama_backend_init").orElseThrow(
                () -> new AssertionError(library + " does not export llama_backend_init"));
        MemorySegment loadAll = lookup.find("ggml_backend_load_all_from_path").orElseThrow(
                () -> new AssertionError(library + " (or the ggml it links) does not export ggml_backend_load_all_from_path"));
        MethodHandle loadAllFromPath = linker.downcallHandle(loadAll, FunctionDescriptor.ofVoid(ADDRESS));
        MethodHandle devCount = linker.downcallHandle(find(lookup, "ggml_backend_dev_count"),
                FunctionDescriptor.of(JAVA_LONG));
        MethodHandle devGet = linker.downcallHandle(find(lookup, "ggml_backend_dev_get"),
                FunctionDescriptor.of(ADDRESS, JAVA_LONG));
        MethodHandle devName = linker.downcallHandle(find(lookup, "ggml_backend_dev_name"),
                FunctionDescriptor.of(ADDRESS, ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            loadAllFromPath.invokeExact(arena.allocateFrom(folder.toString()));
        }
        linker.downcallHandle(backendInit, FunctionDescriptor.ofVoid()).invokeExact();
        long count = (long) devCount.invokeExact();
        List<String> names = new ArrayList<>();
        for (long i = 0; i < count; i++) {
            MemorySegment device = (MemorySegment) devGet.invokeExact(i);
            MemorySegment name = (MemorySegment) devName.invokeExact(device);
            names.add(name.reinterpret(Long.MAX_VALUE).getString(0));
        }
        return names;
    }

    private static MemorySegment find(SymbolLookup lookup, String name) {
        return lookup.find(name).orElseThrow(() -> new AssertionError("no symbol " + name));
    }

    static Properties load(InputStream in) throws IOException {
        Properties properties = new Properties();
        properties.load(in);
        return properties;
    }
}
