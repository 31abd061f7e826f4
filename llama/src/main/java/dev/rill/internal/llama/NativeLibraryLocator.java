package dev.rill.internal.llama;

import dev.rill.llama.LlamaProfile;
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
import java.util.Properties;

/**
 * Finds and loads the llama.cpp shared library, trying in order:
 * <ol>
 *   <li>the path configured through {@code ModelOptions.libraryPath}, the system property
 *       {@value #PATH_PROPERTY} or the environment variable {@value #PATH_ENV} (first one set wins);</li>
 *   <li>unless profile b4916 was asked for: a {@code dev.rill:rill-native-<platform>} jar for this OS and CPU
 *       (the current llama.cpp release; a GPU jar such as {@code linux-x64-cuda} before the CPU one, or the one
 *       {@value #DISTRIBUTION_PROPERTY} names), its files checked against the hashes the jar lists and
 *       extracted once into a versioned cache folder ({@value #CACHE_PROPERTY}, default
 *       {@code ~/.cache/rill/native});</li>
 *   <li>unless the current profile was asked for: the library bundled in the de.kherud:llama 4.2.0 jar
 *       (llama.cpp b4916), extracted the same way.</li>
 * </ol>
 * When nothing loads, one {@link LlamaLibraryException} lists every attempt and why it failed, and says which
 * artifact to add.
 */
public final class NativeLibraryLocator {
    /** System property naming a llama.cpp shared library (for example a CUDA build). */
    public static final String PATH_PROPERTY = "rill.llama.library";
    /** Environment variable naming a llama.cpp shared library, read when the property is not set. */
    public static final String PATH_ENV = "RILL_LLAMA_LIBRARY";
    /** System property naming the folder where bundled libraries are extracted. */
    public static final String CACHE_PROPERTY = "rill.native.cache";
    /** System property choosing one {@code rill-native} distribution by platform name, e.g. {@code linux-x64}. */
    public static final String DISTRIBUTION_PROPERTY = "rill.llama.distribution";

    private static final String B4916_VERSION = "de.kherud-llama-4.2.0";
    private static final String DISTRIBUTION_ROOT = "dev/rill/native/";
    private static final String DISTRIBUTION_INDEX = "rill-native.properties";

    private NativeLibraryLocator() {
    }

    /**
     * A library that loaded, with where it came from.
     *
     * @param backendDir the folder whose ggml backends the current release loads (the library's own folder)
     * @param distribution the {@code rill-native} index of the jar it came from, or null
     */
    record Located(Path path, String origin, SymbolLookup symbols, Path backendDir, Properties distribution) {
    }

    static Located locate(Path configured, LlamaProfile requested, Arena arena) {
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
            Located located = tryLoad(explicit, origin, arena, attempts, null);
            if (located != null) {
                return located;
            }
            // A configured library that fails is an error in itself: falling back to the CPU build
            // silently would hide a broken CUDA or Metal setup.
            throw failure(attempts, requested);
        }
        if (requested != LlamaProfile.B4916) {
            Located located = fromDistribution(arena, attempts);
            if (located != null) {
                return located;
            }
        }
        if (requested != LlamaProfile.CURRENT) {
            Located located = fromB4916Jar(arena, attempts);
            if (located != null) {
                return located;
            }
        }
        throw failure(attempts, requested);
    }

    private static Located fromB4916Jar(Arena arena, List<String> attempts) {
        String resource = bundledResource();
        if (resource == null) {
            attempts.add("llama.cpp b4916 (de.kherud:llama:4.2.0): no build for os.name=" + System.getProperty("os.name")
                    + ", os.arch=" + System.getProperty("os.arch"));
            return null;
        }
        URL url = NativeLibraryLocator.class.getClassLoader().getResource(resource);
        if (url == null) {
            attempts.add("llama.cpp b4916: " + resource + " " + notFound("de.kherud:llama:4.2.0", "llama"));
            return null;
        }
        Path extracted;
        try {
            extracted = extract(url, resource);
        } catch (IOException | RuntimeException e) {
            attempts.add("llama.cpp b4916: could not extract " + resource + " (" + e + ")");
            return null;
        }
        return tryLoad(extracted, "bundled " + resource + " (de.kherud:llama:4.2.0)", arena, attempts, null);
    }

    /** Where a resource was not found: on the module path, the jar must also be resolved. */
    private static String notFound(String artifact, String moduleName) {
        if (NativeLibraryLocator.class.getModule().isNamed()) {
            return "is not visible: add " + artifact + " to the module path and resolve it with --add-modules "
                    + moduleName + " (it is an automatic module that nothing requires), or put it on the class path";
        }
        return "is not on the class path (add " + artifact + ")";
    }

    private static Located fromDistribution(Arena arena, List<String> attempts) {
        List<String> platforms = distributionCandidates();
        if (platforms.isEmpty()) {
            attempts.add("current llama.cpp (dev.rill:rill-native-*): no distribution for os.name="
                    + System.getProperty("os.name") + ", os.arch=" + System.getProperty("os.arch"));
            return null;
        }
        ClassLoader loader = NativeLibraryLocator.class.getClassLoader();
        boolean any = false;
        for (String platform : platforms) {
            URL index = loader.getResource(DISTRIBUTION_ROOT + platform + "/" + DISTRIBUTION_INDEX);
            if (index == null) {
                continue;
            }
            any = true;
            String origin = "dev.rill:rill-native-" + platform;
            Properties distribution;
            Path dir;
            try {
                distribution = readIndex(index);
                dir = extractDistribution(loader, platform, distribution);
            } catch (IOException | RuntimeException e) {
                attempts.add(origin + ": could not extract it (" + e.getMessage() + ")");
                continue;
            }
            Located located = tryLoad(dir.resolve(distribution.getProperty("library")), origin, arena, attempts, distribution);
            if (located != null) {
                return located;
            }
        }
        if (!any) {
            attempts.add("current llama.cpp: no dev.rill:rill-native-" + String.join(" / rill-native-", platforms)
                    + " jar " + (NativeLibraryLocator.class.getModule().isNamed()
                            ? "is visible (on the module path, resolve it with --add-modules)" : "is on the class path"));
        }
        return null;
    }

    /** The rill-native platforms that can run here, GPU builds first; or the one the system property names. */
    static List<String> distributionCandidates() {
        String forced = System.getProperty(DISTRIBUTION_PROPERTY);
        if (forced != null && !forced.isBlank()) {
            return List.of(forced.strip());
        }
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        boolean x64 = arch.equals("amd64") || arch.equals("x86_64");
        boolean arm64 = arch.equals("aarch64") || arch.equals("arm64");
        if (os.contains("linux")) {
            return x64 ? List.of("linux-x64-cuda", "linux-x64-vulkan", "linux-x64") : arm64 ? List.of("linux-arm64") : List.of();
        }
        if (os.contains("mac") || os.contains("darwin")) {
            return arm64 ? List.of("mac-arm64-metal") : x64 ? List.of("mac-x64") : List.of();
        }
        if (os.contains("windows")) {
            return x64 ? List.of("win-x64-cuda", "win-x64") : List.of();
        }
        return List.of();
    }

    private static Properties readIndex(URL index) throws IOException {
        Properties properties = new Properties();
        try (InputStream in = index.openStream()) {
            properties.load(in);
        }
        for (String key : List.of("library", "files", "npm.version")) {
            if (properties.getProperty(key) == null || properties.getProperty(key).isBlank()) {
                throw new IOException(index + " has no " + key);
            }
        }
        return properties;
    }

    /**
     * Copies every file the distribution lists into {@code <cache>/<platform>-<version>-<hash of the index>/}
     * once, checking each against its listed SHA-256; later runs find them there. Each copy goes through a
     * temporary file and an atomic move, so concurrent JVMs never load a half-written file.
     */
    private static Path extractDistribution(ClassLoader loader, String platform, Properties distribution) throws IOException {
        StringBuilder identity = new StringBuilder();
        distribution.stringPropertyNames().stream().sorted()
                .forEach(k -> identity.append(k).append('=').append(distribution.getProperty(k)).append('\n'));
        String hash = sha256(identity.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)).substring(0, 16);
        Path dir = cacheRoot().resolve(platform + "-" + distribution.getProperty("npm.version") + "-" + hash);
        Path complete = dir.resolve(".complete");
        if (Files.isRegularFile(complete)) {
            return dir;
        }
        Files.createDirectories(dir);
        for (String file : distribution.getProperty("files").split(",")) {
            String name = file.strip();
            if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
                throw new IOException("the distribution lists an unsafe file name \"" + name + "\"");
            }
            String expected = distribution.getProperty("sha256." + name);
            Path target = dir.resolve(name);
            String resource = DISTRIBUTION_ROOT + platform + "/" + name;
            URL url = loader.getResource(resource);
            if (url == null) {
                throw new IOException(resource + " is listed but missing from the jar");
            }
            byte[] bytes;
            try (InputStream in = url.openStream()) {
                bytes = in.readAllBytes();
            }
            if (expected != null && !expected.equalsIgnoreCase(sha256(bytes))) {
                throw new IOException(resource + " does not match the SHA-256 its jar lists: the jar is damaged");
            }
            writeAtomically(dir, target, bytes);
        }
        writeAtomically(dir, complete, new byte[0]);
        return dir;
    }

    private static Located tryLoad(Path path, String origin, Arena arena, List<String> attempts, Properties distribution) {
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
            return new Located(path, origin, symbols, path.toAbsolutePath().getParent(), distribution);
        } catch (IllegalArgumentException | IllegalCallerException e) {
            attempts.add(origin + ": " + path + " did not load (" + e.getMessage() + ")");
            return null;
        }
    }

    private static LlamaLibraryException failure(List<String> attempts, LlamaProfile requested) {
        StringBuilder message = new StringBuilder("Could not load a llama.cpp library"
                + (requested == null ? "" : " of profile " + requested.label()) + ". Tried:");
        for (int i = 0; i < attempts.size(); i++) {
            message.append("\n  ").append(i + 1).append(". ").append(attempts.get(i));
        }
        message.append("\nAdd dev.rill:rill-native-<platform> (the current llama.cpp; e.g. rill-native-linux-x64)");
        if (requested != LlamaProfile.CURRENT) {
            message.append(" or de.kherud:llama:4.2.0 (llama.cpp b4916)");
        }
        message.append(" to the class path, or set -D").append(PATH_PROPERTY).append("=/path/to/libllama.");
        return new LlamaLibraryException(message.toString());
    }

    /** The jar resource of the b4916 library for this platform, or null if there is none. */
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

    /** Copies the b4916 library into {@code <cache>/<bundle version>-<content hash>/} once; later runs find it there. */
    private static Path extract(URL url, String resource) throws IOException {
        byte[] bytes;
        try (InputStream in = url.openStream()) {
            bytes = in.readAllBytes();
        }
        String hash = sha256(bytes).substring(0, 16);
        Path dir = cacheRoot().resolve(B4916_VERSION + "-" + hash);
        Path target = dir.resolve(resource.substring(resource.lastIndexOf('/') + 1));
        if (Files.isRegularFile(target) && Files.size(target) == bytes.length) {
            return target;
        }
        Files.createDirectories(dir);
        writeAtomically(dir, target, bytes);
        return target;
    }

    private static void writeAtomically(Path dir, Path target, byte[] bytes) throws IOException {
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
