package dev.rill.internal.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loading the library happens once per JVM, so each case runs {@link LoadProbe} in a child JVM.
 */
class NativeLibraryLoadingTest {
    @TempDir
    Path dir;

    private record Outcome(int exitCode, String output) {
    }

    private Outcome probe(String... properties) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-Drill.native.cache=" + dir.resolve("cache"));
        for (String property : properties) {
            command.add("-D" + property);
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(LoadProbe.class.getName());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        return new Outcome(process.exitValue(), output);
    }

    private static boolean currentDistributionPresent() {
        return NativeLibraryLoadingTest.class.getClassLoader().getResource("dev/rill/native/linux-x64/rill-native.properties")
                != null;
    }

    @Test
    void theCurrentReleaseIsTheDefaultAndItsBestCpuBackendIsLoaded() throws Exception {
        assumeTrue(currentDistributionPresent(), "dev.rill:rill-native-linux-x64 is not on the class path");
        Outcome first = probe();
        assertEquals(0, first.exitCode(), first.output());
        assertTrue(first.output().contains("PROFILE current"), first.output());
        assertTrue(first.output().contains("dev.rill:rill-native-linux-x64"), first.output());
        assertTrue(first.output().matches("(?s).*CPU (?!-)\\S+.*"), "a CPU variant is reported: " + first.output());
        assertTrue(first.output().contains("DEVICES [CPU: "), first.output());
        Path extracted = Files.list(dir.resolve("cache")).findFirst().orElseThrow();
        assertTrue(Files.exists(extracted.resolve(".complete")), "the extraction is marked complete");
        Outcome second = probe();
        assertEquals(0, second.exitCode(), second.output());
    }

    @Test
    void aForcedCpuVariantIsLoadedInsteadOfTheBest() throws Exception {
        assumeTrue(currentDistributionPresent(), "dev.rill:rill-native-linux-x64 is not on the class path");
        Outcome outcome = probe("rill.llama.cpu-variant=x64");
        assertEquals(0, outcome.exitCode(), outcome.output());
        assertTrue(outcome.output().contains("CPU x64"), outcome.output());
    }

    @Test
    void aMissingCpuVariantIsAClearErrorNamingTheOnesThereAre() throws Exception {
        assumeTrue(currentDistributionPresent(), "dev.rill:rill-native-linux-x64 is not on the class path");
        Outcome outcome = probe("rill.llama.cpu-variant=pentium4");
        assertEquals(3, outcome.exitCode(), outcome.output());
        assertTrue(outcome.output().contains("The CPU variant \"pentium4\" is not in "), outcome.output());
        assertTrue(outcome.output().contains("haswell"), outcome.output());
    }

    @Test
    void aLibraryFolderWithoutBackendsIsAClearError() throws Exception {
        assumeTrue(currentDistributionPresent(), "dev.rill:rill-native-linux-x64 is not on the class path");
        Outcome loaded = probe();
        assertEquals(0, loaded.exitCode(), loaded.output());
        Path extracted = Files.list(dir.resolve("cache")).findFirst().orElseThrow();
        Path lonely = Files.createDirectories(dir.resolve("lonely"));
        try (Stream<Path> files = Files.list(extracted)) {
            for (Path file : files.toList()) {
                String name = file.getFileName().toString();
                if (!name.startsWith("libggml-cpu-") && !name.startsWith(".")) {
                    Files.copy(file, lonely.resolve(name));
                }
            }
        }
        Path library;
        try (Stream<Path> files = Files.list(lonely)) {
            library = files.filter(f -> f.getFileName().toString().startsWith("libllama")).findFirst().orElseThrow();
        }
        Outcome outcome = probe("rill.llama.library=" + library);
        assertEquals(3, outcome.exitCode(), outcome.output());
        assertTrue(outcome.output().contains("No ggml backend could be loaded from " + lonely), outcome.output());
    }

    @Test
    void aProfileOtherThanTheLibrarysIsRefused() throws Exception {
        assumeTrue(currentDistributionPresent(), "dev.rill:rill-native-linux-x64 is not on the class path");
        Outcome loaded = probe();
        Path extracted = Files.list(dir.resolve("cache")).findFirst().orElseThrow();
        Path library;
        try (Stream<Path> files = Files.list(extracted)) {
            library = files.filter(f -> f.getFileName().toString().startsWith("libllama")).findFirst().orElseThrow();
        }
        Outcome outcome = probe("rill.llama.library=" + library, "rill.llama.profile=b4916");
        assertEquals(3, outcome.exitCode(), outcome.output() + loaded.output());
        assertTrue(outcome.output().contains("Profile b4916 was asked for, but the library at " + library), outcome.output());
        assertTrue(outcome.output().contains("is llama.cpp current"), outcome.output());
    }

    @Test
    void theB4916LibraryIsExtractedToAVersionedCacheAndLoads() throws Exception {
        Outcome first = probe("rill.llama.profile=b4916");
        assertEquals(0, first.exitCode(), first.output());
        assertTrue(first.output().contains("LOADED " + dir.resolve("cache")), first.output());
        assertTrue(first.output().contains("de.kherud-llama-4.2.0-"), first.output());
        assertTrue(first.output().contains("PROFILE b4916"), first.output());
        Path extracted = Files.list(dir.resolve("cache")).findFirst().orElseThrow();
        var before = Files.getLastModifiedTime(Files.list(extracted).findFirst().orElseThrow());
        Outcome second = probe("rill.llama.profile=b4916");
        assertEquals(0, second.exitCode(), second.output());
        assertEquals(before, Files.getLastModifiedTime(Files.list(extracted).findFirst().orElseThrow()),
                "the second run reuses the extracted file");
    }

    @Test
    void aConfiguredPathThatDoesNotExistFailsWithEveryAttemptListed() throws Exception {
        Outcome outcome = probe("rill.llama.library=/nonexistent/libllama.so");
        assertEquals(3, outcome.exitCode(), outcome.output());
        assertTrue(outcome.output().contains("Could not load a llama.cpp library. Tried:"), outcome.output());
        assertTrue(outcome.output().contains("1. system property rill.llama.library: /nonexistent/libllama.so is not a file"),
                outcome.output());
    }

    @Test
    void aLibraryWithoutTheLlamaApiIsRefused() throws Exception {
        Path libm = Stream.of("/lib/x86_64-linux-gnu/libm.so.6", "/usr/lib/x86_64-linux-gnu/libm.so.6",
                "/lib/aarch64-linux-gnu/libm.so.6").map(Path::of).filter(Files::exists).findFirst().orElse(null);
        assumeTrue(libm != null, "no libm to stand in for a foreign library");
        Outcome outcome = probe("rill.llama.library=" + libm);
        assertEquals(3, outcome.exitCode(), outcome.output());
        assertTrue(outcome.output().contains("does not export the llama.cpp C API"), outcome.output());
    }

    @Test
    void aLibraryOfAnotherLlamaVersionIsACleanErrorNotACrash() throws Exception {
        Path library = compile(fakeLibrarySource());
        Outcome outcome = probe("rill.llama.library=" + library);
        assertEquals(3, outcome.exitCode(), outcome.output());
        assertTrue(outcome.output().contains("does not match the struct layouts of llama.cpp b4916"), outcome.output());
        assertTrue(outcome.output().contains("llama_model_params is larger than 64 bytes"), outcome.output());
        assertTrue(outcome.output().contains("llama_context_params.n_batch @4: default 512, expected 2048"), outcome.output());
    }

    private Path compile(String source) throws IOException, InterruptedException {
        Path file = Files.createTempFile(dir, "fake", ".c");
        Files.writeString(file, source);
        Path library = dir.resolve("lib" + file.getFileName().toString().replace(".c", ".so"));
        Process gcc;
        try {
            gcc = new ProcessBuilder("gcc", "-shared", "-fPIC", "-o", library.toString(), file.toString())
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "gcc is not available");
            return null;
        }
        String gccOutput = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, gcc.waitFor(), gccOutput);
        return library;
    }

    @Test
    void aLibraryOfNeitherReleaseIsNamedAsSuch() throws Exception {
        Path library = compile(fakeLibrarySource(false));
        Outcome outcome = probe("rill.llama.library=" + library);
        assertEquals(3, outcome.exitCode(), outcome.output());
        assertTrue(outcome.output().contains("is of neither release Rill speaks"), outcome.output());
    }

    /**
     * A library exporting every function the binding links, where the two default-parameter functions return
     * structs laid out as a different llama.cpp version might: a model struct 8 bytes longer and a context
     * struct with a field inserted at the front.
     */
    private static String fakeLibrarySource() throws IOException {
        return fakeLibrarySource(true);
    }

    /** As above; {@code b4916Functions}: also export what only b4916 has, so the library passes for b4916. */
    private static String fakeLibrarySource(boolean b4916Functions) throws IOException {
        Set<String> names = new LinkedHashSet<>();
        List<String> sources = new ArrayList<>(List.of("src/main/java/dev/rill/internal/llama/Llama.java"));
        if (b4916Functions) {
            sources.add("src/main/java/dev/rill/internal/llama/B4916Binding.java");
        }
        for (String source : sources) {
            Matcher m = Pattern.compile("downcall\\(\"(\\w+)\"").matcher(Files.readString(Path.of(source)));
            while (m.find()) {
                names.add(m.group(1));
            }
        }
        names.add("llama_model_load_from_file");
        names.add("llama_init_from_model");
        names.remove("llama_model_default_params");
        names.remove("llama_context_default_params");
        StringBuilder c = new StringBuilder("#include <string.h>\n#include <stdint.h>\n");
        for (String name : names) {
            c.append("void *").append(name).append("(void) { return 0; }\n");
        }
        c.append("""
                struct model_params { char bytes[72]; };
                struct model_params llama_model_default_params(void) {
                    struct model_params p; memset(&p, 0, sizeof p); p.bytes[57] = 1; p.bytes[12] = 1; return p;
                }
                struct context_params { uint32_t extra; uint32_t n_ctx, n_batch, n_ubatch, n_seq_max; char rest[100]; };
                struct context_params llama_context_default_params(void) {
                    struct context_params p; memset(&p, 0, sizeof p);
                    p.extra = 512; p.n_ctx = 512; p.n_batch = 2048; p.n_ubatch = 512; p.n_seq_max = 1; return p;
                }
                """);
        return c.toString();
    }
}
