package dev.rill.internal.llama;

import dev.rill.NativeLibraryException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.net.URL;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Finds and loads the llama.cpp shared library, trying in order:
 * <ol>
 *   <li>the path configured through {@code ModelOptions.libraryPath}, the system property
 *       {@value #PATH_PROPERTY} or the environment variable {@value #PATH_ENV} (first one set wins);</li>
 *   <li>the library bundled in the de.kherud:llama jar for this OS and CPU, extracted once into a versioned
 *       cache folder ({@value #CACHE_PROPERTY}, default {@code ~/.cache/rill/native}) and reused after.</li>
 * </ol>
 * When nothing loads, one {@link NativeLibraryException} lists every attempt and why it failed.
 */
public final class NativeLibraryLocator {
    /** System property naming a llama.cpp shared library (for example a CUDA build of tag b4916). */
    public static final String PATH_PROPERTY = "rill.llama.library";
    /** Environment variable naming a llama.cpp shared library, read when the property is not set. */
    public static final String PATH_ENV = "RILL_LLAMA_LIBRARY";
    /** System property naming the folder where the bundled library is extracted. */
    public static final String CACHE_PROPERTY = "rill.native.cache";

    /** The llama.cpp tag the bundled library is built from, and so the only ABI this binding speaks. */
    public static final String LLAMA_TAG = "b4916";
    private static final String BUNDLE_VERSION = "de.kherud-llama-4.2.0";

    private NativeLibraryLocator() {
    }

    /** A library that loaded, with where it came from. */
    record Located(Path path, String origin, SymbolLookup symbols) {
    }

    static Located locate(Path configured, Arena arena) {
        List<String> attempts = new ArrayList<>();
        Path explicit = configured;
        String origin = "ModelOptions.libraryPath";
        if (explicit == null && System.getProperty(PATH_PROPERTY) != null) {
            explicit = Path.of(System.getProperty(PATH_PROPERTY));
            origin = "system property " + PATH_PROPERTY;
        }
        if (explicit == null && System.getenv(PATH_ENV) != null && !System.getenv(PATH_ENV).isBlank()) {
            explicit = Path.of(System.getenv(PATH_ENV));
            origin = "environment variable " + PATH_ENV;
        }
        if (explicit != null) {
            Located located = tryLoad(explicit, origin, arena, attempts);
            if (located != null) {
                return located;
            }
            // A configured library that fails is an error in itself: falling back to the CPU build
            // silently would hide a broken CUDA or Metal setup.
            throw failure(attempts);
        }
        String resource = bundledResource();
        if (resource == null) {
            attempts.add("bundled library: no build in de.kherud:llama for os.name=" + System.getProperty("os.name")
                    + ", os.arch=" + System.getProperty("os.arch"));
            throw failure(attempts);
        }
        Path extracted;
        try {
            extracted = extract(resource);
        } catch (IOException | RuntimeException e) {
            attempts.add("bundled library " + resource + ": could not extract it (" + e + ")");
            throw failure(attempts);
        }
        Located located = tryLoad(extracted, "bundled " + resource, arena, attempts);
        if (located != null) {
            return located;
        }
        throw failure(attempts);
    }

    private static Located tryLoad(Path path, String origin, Arena arena, List<String> attempts) {
        if (!Files.isRegularFile(path)) {
            attempts.add(origin + ": " + path + " is not a file");
            return null;
        }
        try {
            SymbolLookup symbols = SymbolLookup.libraryLookup(path, arena);
            if (symbols.find("llama_decode").isEmpty() || symbols.find("llama_model_load_from_file").isEmpty()) {
                attempts.add(origin + ": " + path + " loaded but does not export the llama.cpp C API");
                return null;
            }
            return new Located(path, origin, symbols);
        } catch (IllegalArgumentException | IllegalCallerException e) {
            attempts.add(origin + ": " + path + " did not load (" + e.getMessage() + ")");
            return null;
        }
    }

    private static NativeLibraryException failure(List<String> attempts) {
        StringBuilder message = new StringBuilder("Could not load the llama.cpp library (tag " + LLAMA_TAG + "). Tried:");
        for (int i = 0; i < attempts.size(); i++) {
            message.append("\n  ").append(i + 1).append(". ").append(attempts.get(i));
        }
        message.append("\nSet -D").append(PATH_PROPERTY).append("=/path/to/libllama (a build of llama.cpp ")
                .append(LLAMA_TAG).append(") or keep de.kherud:llama:4.2.0 on the class path.");
        return new NativeLibraryException(message.toString());
    }

    /** The jar resource of the bundled library for this platform, or null if there is none. */
    static String bundledResource() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String cpu = switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            case "x86", "i386", "i686" -> "x86";
            default -> null;
        };
        if (cpu == null) {
            return null;
        }
        if (os.contains("linux")) {
            return cpu.equals("x86") ? null : "de/kherud/llama/Linux/" + cpu + "/libjllama.so";
        }
        if (os.contains("mac") || os.contains("darwin")) {
            return cpu.equals("x86") ? null : "de/kherud/llama/Mac/" + cpu + "/libjllama.dylib";
        }
        if (os.contains("windows")) {
            return cpu.equals("aarch64") ? null : "de/kherud/llama/Windows/" + cpu + "/jllama.dll";
        }
        return null;
    }

    /**
     * Copies the bundled library into {@code <cache>/<bundle version>-<content hash>/} once; later runs find
     * it there. The copy goes through a temporary file and an atomic move, so concurrent JVMs never load a
     * half-written file.
     */
    static Path extract(String resource) throws IOException {
        URL url = NativeLibraryLocator.class.getClassLoader().getResource(resource);
        if (url == null) {
            throw new IOException("resource " + resource + " is not on the class path (is de.kherud:llama:4.2.0 there?)");
        }
        byte[] bytes;
        try (InputStream in = url.openStream()) {
            bytes = in.readAllBytes();
        }
        String hash = sha256(bytes).substring(0, 16);
        Path dir = cacheRoot().resolve(BUNDLE_VERSION + "-" + hash);
        Path target = dir.resolve(resource.substring(resource.lastIndexOf('/') + 1));
        if (Files.isRegularFile(target) && Files.size(target) == bytes.length) {
            return target;
        }
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, "lib", ".part");
        try {
            Files.write(temp, bytes);
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
        return target;
    }

    static Path cacheRoot() {
        String configured = System.getProperty(CACHE_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("rill").resolve("native");
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
