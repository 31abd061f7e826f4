package dev.rill.internal.llama;

import dev.rill.internal.gguf.GgufHeader;
import dev.rill.llama.LlamaProfile;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Loads a model in a child JVM ({@link ModelProbeChild}) started with this JVM's java, class path and module
 * path, and reports what happened there: the model loaded, decoded and gave finite logits; it was refused; the
 * child died (by a signal, named when it is one); or it gave no answer in time and was killed. A native crash
 * thus ends the child, never this JVM.
 *
 * <p>Java's checks of the file run here first ({@link LlamaModelHandle#checkFile}), so that a missing or
 * malformed file costs no child.
 */
public final class ModelProbeLauncher {
    /** Lines of the child's own output kept for a report. */
    static final int KEPT_LINES = 20;
    private static final int MAX_LINE = 400;
    /** Lines that say why a process ends (llama.cpp's assertions and aborts, C++ exceptions, the JVM's report). */
    private static final Pattern LAST_WORDS = Pattern.compile(
            "GGML_ASSERT|GGML_ABORT|fatal error|terminate called|what\\(\\)|A fatal error has been detected|Exception in thread");
    /** Of those, the first ones are kept whatever follows (a debugger's backtrace can be long). */
    static final int KEPT_LAST_WORDS = 5;
    private static final Pattern JVM_SIGNAL = Pattern.compile("#\\s+(SIG[A-Z]+) \\(0x");
    private static final Map<Integer, String> SIGNALS = Map.of(1, "SIGHUP", 2, "SIGINT", 4, "SIGILL", 6, "SIGABRT",
            7, "SIGBUS", 8, "SIGFPE", 9, "SIGKILL", 11, "SIGSEGV", 13, "SIGPIPE", 15, "SIGTERM");

    private ModelProbeLauncher() {
    }

    /**
     * How to probe.
     *
     * @param model how the child loads the model (library path, profile, GPU layers, mmap, mlock)
     * @param threads threads for the decode
     * @param flashAttention and {@code cacheType}: as the real context will use them
     * @param timeout how long the child may take before it is killed
     * @param valueChecks false to skip {@link ModelCheck} here and in the child (so that a value llama.cpp ends
     *     the process on reaches it): for tests of the probe itself only
     */
    public record Config(LlamaModelHandle.Config model, int threads, boolean flashAttention, CacheType cacheType,
                         Duration timeout, boolean valueChecks) {
    }

    /** How a probe ended. */
    public enum Outcome {
        /** Loaded, a context created, the text decoded. */
        PASSED,
        /** Refused with a reason, by llama.cpp or by the checks before it, in the child. */
        REFUSED,
        /** The child died without an answer. */
        CRASHED,
        /** The child gave no answer within the timeout and was killed. */
        TIMED_OUT
    }

    /**
     * What a probe found.
     *
     * @param outcome how it ended
     * @param stage the last stage the child reached ("loading the model", "creating a context", "tokenizing",
     *     "decoding"), or "starting" when it reached none
     * @param message the child's reason for a refusal, else empty
     * @param exitStatus the child's exit status, empty when it was killed for the timeout
     * @param signal the signal that ended the child or that the JVM reported before aborting, when there was one
     * @param output the child's last lines of output (llama.cpp's log, a failed assertion, the JVM's crash report)
     * @param vocabularySize for a pass, the model's vocabulary
     * @param decodedTokens for a pass, the tokens decoded
     * @param finiteLogits for a pass, whether the logits of the last token were all finite (true for a model
     *     without logits)
     * @param profile for a pass, the llama.cpp release the child ran
     * @param elapsed from starting the child to its end
     * @param errorFile the JVM's crash report file, when the child wrote one
     */
    public record Result(Outcome outcome, String stage, String message, OptionalInt exitStatus, Optional<String> signal,
                         List<String> output, int vocabularySize, int decodedTokens, boolean finiteLogits,
                         Optional<LlamaProfile> profile, Duration elapsed, Optional<Path> errorFile) {
        public Result {
            output = List.copyOf(output);
        }
    }

    /**
     * Probes the model at {@code path}.
     *
     * @throws LlamaFileException when Java's checks refuse the file (no child is started)
     * @throws LlamaLibraryException when llama.cpp cannot be loaded here
     * @throws LlamaCallException when the child cannot be started
     */
    public static Result probe(Path path, Config config) {
        GgufHeader header = LlamaModelHandle.checkFile(path, config.valueChecks());
        LlamaRuntime.initialize(config.model().libraryPath(), config.model().profile());
        LlamaProfile profile = LlamaRuntime.binding().profile();
        if (config.valueChecks()) {
            ModelCheck.checkFor(profile, header);
        }
        Path errorFile;
        try {
            errorFile = Files.createTempFile("rill-probe-", ".log");
            Files.delete(errorFile); // the JVM writes it only if it crashes
        } catch (IOException e) {
            throw new LlamaCallException("cannot create a temporary file for the probe's crash report: " + e.getMessage());
        }
        List<String> command = command(path, config, profile, errorFile);
        long start = System.nanoTime();
        Process process;
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            // ggml runs a debugger for a backtrace on an abort: slow, and it buries the reason; the current
            // release skips it when this is set.
            builder.environment().put("GGML_NO_BACKTRACE", "1");
            process = builder.start();
        } catch (IOException e) {
            throw new LlamaCallException("cannot start a child process to probe " + path + ": " + e.getMessage());
        }
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // nothing was written
        }
        Output output = new Output();
        Thread reader = Thread.ofPlatform().daemon().name("rill-probe-reader").start(() -> output.read(process));
        boolean ended;
        try {
            ended = process.waitFor(config.timeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            throw new LlamaCallException("interrupted while probing " + path);
        }
        if (!ended) {
            kill(process);
        }
        try {
            reader.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        Optional<Path> crashReport = Files.exists(errorFile) ? Optional.of(errorFile) : Optional.empty();
        return output.result(ended ? OptionalInt.of(process.exitValue()) : OptionalInt.empty(), elapsed, crashReport);
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The child's command line: this JVM's java, class path and module path, and the probe's arguments. */
    static List<String> command(Path path, Config config, LlamaProfile profile, Path errorFile) {
        List<String> command = new ArrayList<>();
        boolean windows = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("windows");
        command.add(Path.of(System.getProperty("java.home"), "bin", windows ? "java.exe" : "java").toString());
        Module module = ModelProbeChild.class.getModule();
        String classPath = System.getProperty("java.class.path", "");
        if (!classPath.isEmpty()) {
            command.add("-cp");
            command.add(classPath);
        }
        String modulePath = System.getProperty("jdk.module.path", "");
        if (module.isNamed()) {
            command.add("--module-path");
            command.add(modulePath);
            // The modules this JVM resolved from its module path (the native jars among them), so the child finds
            // the same library.
            String added = ModuleLayer.boot().modules().stream()
                    .filter(m -> m.getDescriptor() != null && !m.getName().startsWith("java.") && !m.getName().startsWith("jdk."))
                    .map(Module::getName).sorted().collect(Collectors.joining(","));
            if (!added.isEmpty()) {
                command.add("--add-modules");
                command.add(added);
            }
            command.add("--enable-native-access=" + module.getName() + ",ALL-UNNAMED");
        } else {
            command.add("--enable-native-access=ALL-UNNAMED");
        }
        // A short-lived JVM: start fast, keep no core dump, write a crash report where the parent finds it.
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-XX:+UseSerialGC");
        command.add("-Xshare:auto");
        command.add("-XX:-CreateCoredumpOnCrash");
        command.add("-XX:ErrorFile=" + errorFile);
        System.getProperties().stringPropertyNames().stream().sorted()
                .filter(name -> name.startsWith("rill.") && !name.equals(LlamaRuntime.PROFILE_PROPERTY))
                .forEach(name -> command.add("-D" + name + "=" + System.getProperty(name)));
        command.add("-D" + LlamaRuntime.PROFILE_PROPERTY + "=" + profile.label());
        if (module.isNamed()) {
            command.add("-m");
            command.add(module.getName() + "/" + ModelProbeChild.class.getName());
        } else {
            command.add(ModelProbeChild.class.getName());
        }
        LlamaModelHandle.Config model = config.model();
        command.add(path.toAbsolutePath().toString());
        command.add(Integer.toString(model.gpuLayers()));
        command.add(Boolean.toString(model.mmap()));
        command.add(Boolean.toString(model.mlock()));
        command.add(Integer.toString(config.threads()));
        command.add(Boolean.toString(config.flashAttention()));
        command.add(config.cacheType().name());
        command.add(Boolean.toString(config.valueChecks()));
        if (model.libraryPath() != null) {
            command.add(model.libraryPath().toAbsolutePath().toString());
        }
        return command;
    }

    /** The child's output as it comes: protocol lines parsed, the rest kept for the report (the last lines only). */
    private static final class Output {
        private final ArrayDeque<String> kept = new ArrayDeque<>();
        private final List<String> lastWords = new ArrayList<>();
        private String stage = "starting";
        private String verdict;
        private String signal;

        void read(Process process) {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null;) {
                    take(line);
                }
            } catch (IOException e) {
                // the child is gone; its exit status says how
            }
        }

        private synchronized void take(String line) {
            if (line.startsWith(ModelProbeChild.PREFIX)) {
                String said = line.substring(ModelProbeChild.PREFIX.length());
                if (said.startsWith("stage ")) {
                    stage = said.substring("stage ".length());
                } else {
                    verdict = said;
                }
                return;
            }
            Matcher m = JVM_SIGNAL.matcher(line);
            if (signal == null && m.find()) {
                signal = m.group(1);
            }
            if (line.isBlank()) {
                return;
            }
            String cut = line.length() > MAX_LINE ? line.substring(0, MAX_LINE) + "..." : line;
            if (lastWords.size() < KEPT_LAST_WORDS && LAST_WORDS.matcher(line).find()) {
                lastWords.add(cut);
            }
            kept.add(cut);
            if (kept.size() > KEPT_LINES) {
                kept.removeFirst();
            }
        }

        synchronized Result result(OptionalInt exit, Duration elapsed, Optional<Path> errorFile) {
            List<String> lines = new ArrayList<>();
            lastWords.stream().filter(line -> !kept.contains(line)).forEach(lines::add);
            lines.addAll(kept);
            if (exit.isEmpty()) {
                return new Result(Outcome.TIMED_OUT, stage, "", exit, Optional.empty(), lines, 0, 0, false,
                        Optional.empty(), elapsed, errorFile);
            }
            int status = exit.getAsInt();
            if (verdict != null && status == 0) {
                String[] words = verdict.split(" ");
                switch (words[0]) {
                    case "passed" -> {
                        return new Result(Outcome.PASSED, stage, "", exit, Optional.empty(), lines,
                                Integer.parseInt(words[1]), Integer.parseInt(words[2]), Boolean.parseBoolean(words[3]),
                                Optional.of(LlamaProfile.fromLabel(words[4])), elapsed, errorFile);
                    }
                    case "refused", "failed" -> {
                        String message = new String(Base64.getDecoder().decode(words[1]), StandardCharsets.UTF_8);
                        return new Result(Outcome.REFUSED, stage, message, exit, Optional.empty(), lines, 0, 0, false,
                                Optional.empty(), elapsed, errorFile);
                    }
                    default -> {
                        // an answer this version does not know: a crash report follows
                    }
                }
            }
            Optional<String> named = Optional.ofNullable(signal)
                    .or(() -> Optional.ofNullable(status > 128 ? SIGNALS.get(status - 128) : null));
            return new Result(Outcome.CRASHED, stage, "", exit, named, lines, 0, 0, false, Optional.empty(), elapsed,
                    errorFile);
        }
    }
}
