package dev.rill.benches;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.rill.FinishReason;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.Model;
import dev.rill.ModelInfo;
import dev.rill.ModelOptions;
import dev.rill.llama.NativeRuntime;
import dev.rill.Prompt;
import dev.rill.TokenCallback;
import dev.rill.sampling.Sampler;
import dev.rill.testkit.Architecture;
import dev.rill.gguf.GgmlType;
import dev.rill.testkit.TestModels;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Does the CUDA build of llama.cpp run a model on the GPU here, and how much faster than the CPU?
 *
 * <p>Loads llama.cpp from the class path (with {@code rill-native-linux-x64-cuda} there, its CUDA distribution), and
 * first a tiny model with every layer offloaded, to see which devices the backends registered. Without a GPU device
 * it stops with exit code {@value #EXIT_NO_GPU} and says why (which CUDA libraries the machine lacks): a CPU run is
 * never measured as a GPU one. With one, it writes a random-weight Llama model (Llama 3.2 1B's shape, Q4_0, by
 * default), loads it with {@link ModelOptions#ALL_LAYERS} offloaded, evaluates a {@code --prompt}-token prompt and
 * generates {@code --tokens} tokens greedily (one warm-up run, then {@code --repeats} measured ones, medians
 * reported), then measures the same in a child JVM on the CPU-only distribution ({@code linux-x64}), and prints
 * both and their ratio.
 *
 * <p>Why a child JVM for the CPU side: a JVM loads one llama.cpp library, and the CUDA library with
 * {@code gpuLayers(0)} is not a CPU run: ggml still hands large matrix products (the prompt's) to the GPU. The child
 * loads the build a machine without a GPU gets, with the same CPU variants.
 *
 * <pre>
 * benches/gpu-check [options]      (builds the jars, then runs this; see docs/gpu.md)
 * java --enable-native-access=ALL-UNNAMED \
 *     -cp benches/target/benchmarks.jar:natives/linux-x64-cuda/target/rill-native-linux-x64-cuda-VERSION.jar \
 *     dev.rill.benches.GpuCheck [options]
 * </pre>
 */
public final class GpuCheck {
    /** Exit code when no GPU backend was loaded: nothing was measured. */
    static final int EXIT_NO_GPU = 3;
    /** Exit code of a malformed command line. */
    static final int EXIT_USAGE = 2;
    /** The CPU-only distribution the child JVM loads. */
    static final String CPU_DISTRIBUTION = "linux-x64";
    static final long SEED = 42;

    static final String USAGE = """
            usage: GpuCheck [options]
              --size 1b|small   the random-weight model to write: 1b (default) is Llama 3.2 1B's shape in Q4_0
                                (about 0.7 GB), small is TestModels.random32k in Q4_0 (8 layers of 512, a quick run)
              --model FILE      use FILE if it exists, else write the model there and keep it
              --work DIR        where the model (unless --model), the probe and the llama.cpp logs go
                                (default: a new temporary folder)
              --prompt N        prompt tokens (default 128)
              --tokens N        tokens to generate (default 128)
              --repeats N       measured runs on each side, after one warm-up (default 3)
              --threads N       llama.cpp threads (default: the physical cores, at most the available processors)
              --no-cpu          measure the GPU only
            Exit code: 0 measured, 3 no GPU backend was loaded (nothing measured), 2 usage, 1 another failure.""";

    private GpuCheck() {
    }

    /** What the command line asked for. {@code measure} is "cpu" in the child JVM, else null. */
    record Options(String size, Path model, Path work, int promptTokens, int tokens, int repeats, int threads,
                   boolean cpuComparison, String measure, Path result) {
    }

    /** The medians of one side's measured runs. */
    record Figures(double loadSeconds, double warmUpSeconds, double promptTokensPerSecond,
                   double decodeTokensPerSecond, int generatedTokens) {
    }

    public static void main(String[] args) {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            System.out.println(USAGE);
            return;
        }
        Options options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("gpu-check: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(EXIT_USAGE);
            return;
        }
        int code;
        try {
            code = options.measure() != null ? child(options) : run(options);
        } catch (Exception e) {
            System.err.println("gpu-check: failed: " + e);
            e.printStackTrace();
            code = 1;
        }
        System.out.flush();
        System.exit(code);
    }

    static Options parse(String[] args) {
        String size = "1b";
        Path model = null;
        Path work = null;
        int prompt = 128;
        int tokens = 128;
        int repeats = 3;
        int threads = 0;
        boolean cpu = true;
        String measure = null;
        Path result = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--no-cpu" -> cpu = false;
                case "--size", "--model", "--work", "--prompt", "--tokens", "--repeats", "--threads", "--measure",
                     "--result" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException(arg + " needs a value");
                    }
                    String value = args[++i];
                    switch (arg) {
                        case "--size" -> {
                            if (!value.equals("1b") && !value.equals("small")) {
                                throw new IllegalArgumentException("--size is 1b or small, not " + value);
                            }
                            size = value;
                        }
                        case "--model" -> model = Path.of(value);
                        case "--work" -> work = Path.of(value);
                        case "--prompt" -> prompt = positive(arg, value);
                        case "--tokens" -> tokens = positive(arg, value);
                        case "--repeats" -> repeats = positive(arg, value);
                        case "--threads" -> threads = positive(arg, value);
                        case "--measure" -> {
                            if (!value.equals("cpu")) {
                                throw new IllegalArgumentException("--measure is cpu (the child JVM), not " + value);
                            }
                            measure = value;
                        }
                        default -> result = Path.of(value);
                    }
                }
                default -> throw new IllegalArgumentException("unknown argument " + arg);
            }
        }
        if (tokens < 2) {
            throw new IllegalArgumentException("--tokens must be at least 2 (decode speed counts the tokens after the first)");
        }
        if (measure != null && (model == null || result == null)) {
            throw new IllegalArgumentException("--measure cpu needs --model and --result");
        }
        return new Options(size, model, work, prompt, tokens, repeats, threads > 0 ? threads : defaultThreads(), cpu,
                measure, result);
    }

    private static int positive(String option, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(option + " needs a positive whole number, not " + value);
    }

    // ---------------------------------------------------------------------------------------------------------
    // The decision: is there a GPU to measure? (pure, tested without native code)

    /** The type a device string "name: description (type)" ends with, e.g. {@code GPU}; empty if none. */
    static String deviceType(String device) {
        int open = device.lastIndexOf(" (");
        if (open < 0 || !device.endsWith(")")) {
            return "";
        }
        return device.substring(open + 2, device.length() - 1);
    }

    /** The devices llama.cpp offloads layers to: type {@code GPU} or {@code integrated GPU}. */
    static List<String> gpuDevices(List<String> devices) {
        return devices.stream().filter(d -> {
            String type = deviceType(d);
            return type.equals("GPU") || type.equals("integrated GPU");
        }).toList();
    }

    /**
     * Why nothing can be measured on a GPU, or empty when a GPU device is there.
     *
     * @param devices the loaded runtime's devices, as {@link NativeRuntime#devices()}
     * @param origin where the library came from, as {@link NativeRuntime#origin()}
     */
    static Optional<String> refusal(List<String> devices, String origin) {
        if (!gpuDevices(devices).isEmpty()) {
            return Optional.empty();
        }
        StringBuilder message = new StringBuilder("no GPU backend was loaded: devices were ").append(devices);
        if (!origin.contains("rill-native-linux-x64-cuda")) {
            message.append("; llama.cpp came from ").append(origin)
                    .append(", not the CUDA distribution: put rill-native-linux-x64-cuda on the class path"
                            + " (benches/gpu-check does)");
        } else {
            message.append("; the CUDA backend (libggml-cuda.so) needs libcuda.so.1 (the NVIDIA driver, 580 or newer"
                    + " for CUDA 13), libcudart.so.13 and libcublas.so.13 (with libcublasLt.so.13) on the library path"
                    + " (LD_LIBRARY_PATH or ldconfig), and a GPU the driver sees; without them ggml skips it");
        }
        message.append(". Refusing to measure: with every layer \"offloaded\", llama.cpp would run them all on the"
                + " CPU.");
        return Optional.of(message.toString());
    }

    private static final Pattern OFFLOADED = Pattern.compile("offloaded (\\d+)/(\\d+) layers to GPU");

    /** {offloaded, total} from llama.cpp's "offloaded N/M layers to GPU" line, or null if the log has none. */
    static int[] offloadedLayers(List<String> log) {
        int[] found = null;
        for (String line : log) {
            Matcher m = OFFLOADED.matcher(line);
            if (m.find()) {
                found = new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
            }
        }
        return found;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** The results table: one row per side, and their ratio when both are there. */
    static List<String> table(String gpuLabel, Figures gpu, String cpuLabel, Figures cpu) {
        List<String> rows = new ArrayList<>();
        String format = "%-44s %8s %10s %14s %14s";
        rows.add(String.format(Locale.ROOT, format, "", "load s", "warm-up s", "prompt tok/s", "decode tok/s"));
        rows.add(row(format, gpuLabel, gpu));
        if (cpu != null) {
            rows.add(row(format, cpuLabel, cpu));
            rows.add(String.format(Locale.ROOT, format, "GPU / CPU", "", "",
                    ratio(gpu.promptTokensPerSecond(), cpu.promptTokensPerSecond()),
                    ratio(gpu.decodeTokensPerSecond(), cpu.decodeTokensPerSecond())));
        }
        return rows;
    }

    private static String row(String format, String label, Figures f) {
        return String.format(Locale.ROOT, format, label, String.format(Locale.ROOT, "%.1f", f.loadSeconds()),
                String.format(Locale.ROOT, "%.1f", f.warmUpSeconds()),
                String.format(Locale.ROOT, "%.1f", f.promptTokensPerSecond()),
                String.format(Locale.ROOT, "%.1f", f.decodeTokensPerSecond()));
    }

    private static String ratio(double a, double b) {
        return b > 0 ? String.format(Locale.ROOT, "%.1fx", a / b) : "-";
    }

    // ---------------------------------------------------------------------------------------------------------
    // The run

    private static int run(Options o) throws IOException, InterruptedException {
        Path work = o.work() != null ? Files.createDirectories(o.work()) : Files.createTempDirectory("rill-gpu-check-");
        Path log = work.resolve("llama-gpu.log");
        routeLlamaLog(log);
        System.out.println("gpu-check: work folder " + work + ", llama.cpp's log in " + log);

        // 1. Which devices did the backends register? A tiny model is enough to load the library and see.
        Path probe = work.resolve("probe.gguf");
        TestModels.plusOne().write(probe);
        NativeRuntime runtime;
        try (Model model = Model.load(probe, ModelOptions.builder().promptCache(false).gpuLayers(ModelOptions.ALL_LAYERS).threads(1)
                .contextSize(64).build())) {
            runtime = model.info().runtime();
        } finally {
            Files.deleteIfExists(probe);
        }
        describe(runtime);
        Optional<String> refusal = refusal(runtime.devices(), runtime.origin());
        if (refusal.isPresent()) {
            System.err.println("gpu-check: " + refusal.get());
            if (runtime.origin().contains("rill-native-linux-x64-cuda")) {
                System.err.println("gpu-check: what this machine has:");
                for (String line : cudaLibraries()) {
                    System.err.println("  " + line);
                }
            }
            return EXIT_NO_GPU;
        }

        // 2. The model.
        Path model = o.model() != null ? o.model() : work.resolve("random-llama-" + o.size() + "-q4_0.gguf");
        boolean written = false;
        if (o.model() != null && Files.isRegularFile(model)) {
            System.out.printf(Locale.ROOT, "model: %s (%,d bytes, given)%n", model, Files.size(model));
        } else {
            if (model.toAbsolutePath().getParent() != null) {
                Files.createDirectories(model.toAbsolutePath().getParent());
            }
            writeModel(o.size(), model);
            written = o.model() == null;
        }
        try {
            // 3. GPU: every layer offloaded.
            int logStart = lines(log).size();
            System.out.printf(Locale.ROOT, "GPU: every layer offloaded, %d-token prompt, %d tokens, %d threads,"
                    + " a warm-up run, then %d measured%n", o.promptTokens(), o.tokens(), o.threads(), o.repeats());
            int[][] layers = new int[1][];
            Figures gpu = measure(model, options(o).gpuLayers(ModelOptions.ALL_LAYERS).build(), o, info -> {
                List<String> loadLog = printLoadLog(log, logStart);
                int[] offloaded = offloadedLayers(loadLog);
                layers[0] = offloaded;
                if (offloaded == null) {
                    System.out.println("  (llama.cpp's log has no \"offloaded N/M layers to GPU\" line: see " + log + ")");
                } else if (offloaded[0] == 0) {
                    throw new NoOffload("llama.cpp offloaded 0/" + offloaded[1] + " layers to the GPU although "
                            + runtime.devices() + " were loaded; refusing to report a CPU run as a GPU one");
                } else if (offloaded[0] < offloaded[1]) {
                    System.out.println("  WARNING: only " + offloaded[0] + "/" + offloaded[1]
                            + " layers are on the GPU");
                }
            });
            String gpuLabel = "GPU " + String.join(", ", gpuDevices(runtime.devices()).stream()
                    .map(d -> d.substring(0, d.indexOf(':') < 0 ? d.length() : d.indexOf(':'))).toList())
                    + (layers[0] == null ? ", all layers asked" : ", " + layers[0][0] + "/" + layers[0][1] + " layers");

            // 4. CPU: the CPU-only build in a child JVM.
            Figures cpu = null;
            String cpuLabel = null;
            if (o.cpuComparison()) {
                Path result = work.resolve("cpu-result.properties");
                Files.deleteIfExists(result);
                System.out.println("CPU: child JVM on rill-native-" + CPU_DISTRIBUTION + ", same model and requests,"
                        + " llama.cpp's log in " + work.resolve("llama-cpu.log"));
                int exit = childJvm(o, model, work, result);
                if (exit != 0 || !Files.isRegularFile(result)) {
                    System.err.println("gpu-check: the CPU measurement failed (child exit code " + exit + ")");
                    printTable(gpuLabel, gpu, null, null, runtime);
                    return 1;
                }
                Properties p = new Properties();
                try (InputStream in = Files.newInputStream(result)) {
                    p.load(in);
                }
                cpu = new Figures(Double.parseDouble(p.getProperty("load_s")),
                        Double.parseDouble(p.getProperty("warm_up_s")), Double.parseDouble(p.getProperty("prompt_tps")),
                        Double.parseDouble(p.getProperty("decode_tps")), Integer.parseInt(p.getProperty("generated")));
                cpuLabel = "CPU " + p.getProperty("cpu_variant", "?") + ", " + p.getProperty("threads") + " threads";
            }
            printTable(gpuLabel, gpu, cpuLabel, cpu, runtime);
            return 0;
        } catch (NoOffload e) {
            System.err.println("gpu-check: " + e.getMessage());
            return EXIT_NO_GPU;
        } finally {
            if (written) {
                Files.deleteIfExists(model);
            }
        }
    }

    /** Thrown from the load check when llama.cpp put no layer on the GPU. */
    private static final class NoOffload extends RuntimeException {
        NoOffload(String message) {
            super(message);
        }
    }

    private static void printTable(String gpuLabel, Figures gpu, String cpuLabel, Figures cpu, NativeRuntime runtime) {
        System.out.println();
        System.out.println("devices: " + runtime.devices());
        System.out.println("GPU backend files: " + backendFiles(runtime.library().getParent()));
        for (String row : table(gpuLabel, gpu, cpuLabel, cpu)) {
            System.out.println(row);
        }
        System.out.println("(medians of the measured runs; prompt tok/s: the prompt's tokens over its evaluation;"
                + " decode tok/s: the tokens after the first over the time from the first to the last)");
    }

    /** The child JVM: measures the CPU-only distribution on the same model and writes the figures to --result. */
    private static int child(Options o) throws IOException {
        Path log = o.work() != null ? o.work().resolve("llama-cpu.log") : null;
        routeLlamaLog(log);
        System.out.printf(Locale.ROOT, "  %d-token prompt, %d tokens, %d threads, a warm-up run, then %d measured%n",
                o.promptTokens(), o.tokens(), o.threads(), o.repeats());
        NativeRuntime[] loaded = new NativeRuntime[1];
        Figures f;
        try {
            f = measure(o.model(), options(o).gpuLayers(0).build(), o, info -> {
                loaded[0] = info.runtime();
                System.out.println("  llama.cpp " + info.runtime().release() + " from " + info.runtime().origin()
                        + ", CPU variant " + info.runtime().cpuVariant().orElse("-") + ", devices "
                        + info.runtime().devices());
                if (log != null) {
                    printLoadLog(log, 0);
                }
                if (!gpuDevices(info.runtime().devices()).isEmpty()) {
                    throw new NoOffload("the CPU comparison loaded a GPU backend " + info.runtime().devices()
                            + "; it must run the CPU-only " + CPU_DISTRIBUTION + " distribution");
                }
            });
        } catch (NoOffload e) {
            System.err.println("gpu-check: " + e.getMessage());
            return 1;
        }
        NativeRuntime runtime = loaded[0];
        Properties p = new Properties();
        p.setProperty("load_s", Double.toString(f.loadSeconds()));
        p.setProperty("warm_up_s", Double.toString(f.warmUpSeconds()));
        p.setProperty("prompt_tps", Double.toString(f.promptTokensPerSecond()));
        p.setProperty("decode_tps", Double.toString(f.decodeTokensPerSecond()));
        p.setProperty("generated", Integer.toString(f.generatedTokens()));
        p.setProperty("threads", Integer.toString(o.threads()));
        p.setProperty("cpu_variant", runtime.cpuVariant().orElse("?"));
        p.setProperty("origin", runtime.origin());
        try (OutputStream out = Files.newOutputStream(o.result())) {
            p.store(out, "GpuCheck CPU figures");
        }
        return 0;
    }

    private static int childJvm(Options o, Path model, Path work, Path result) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-Drill.llama.distribution=" + CPU_DISTRIBUTION);
        if (System.getProperty("rill.native.cache") != null) {
            command.add("-Drill.native.cache=" + System.getProperty("rill.native.cache"));
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), GpuCheck.class.getName(),
                "--measure", "cpu", "--model", model.toString(), "--work", work.toString(),
                "--result", result.toString(), "--prompt", Integer.toString(o.promptTokens()),
                "--tokens", Integer.toString(o.tokens()), "--repeats", Integer.toString(o.repeats()),
                "--threads", Integer.toString(o.threads())));
        return new ProcessBuilder(command).inheritIO().start().waitFor();
    }

    private static ModelOptions.Builder options(Options o) {
        int context = Math.max(512, (o.promptTokens() + o.tokens() + 255) / 256 * 256);
        return ModelOptions.builder().promptCache(false).threads(o.threads()).contextSize(context);
    }

    /** Run right after the model loaded, before anything is measured: prints and checks what was loaded. */
    private interface AfterLoad {
        void check(ModelInfo info) throws IOException;
    }

    private static Figures measure(Path file, ModelOptions options, Options o, AfterLoad afterLoad) throws IOException {
        long start = System.nanoTime();
        try (Model model = Model.load(file, options)) {
            double load = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "  loaded in %.1f s: %s%n", load, model.info().description());
            afterLoad.check(model.info());
            int[] prompt = prompt(model.info().vocabularySize(), o.promptTokens());
            GenerationRequest request = GenerationRequest.builder(Prompt.tokens(prompt)).maxTokens(o.tokens())
                    .sampler(Sampler.greedy()).seed(SEED).build();
            long warmStart = System.nanoTime();
            GenerationResult warm = model.generate(request, TokenCallback.ignore());
            double warmUp = (System.nanoTime() - warmStart) / 1e9;
            System.out.printf(Locale.ROOT, "  warm-up: %.1f s, %s%n", warmUp, summary(warm));
            check(warm);
            double[] promptRates = new double[o.repeats()];
            double[] decodeRates = new double[o.repeats()];
            int generated = 0;
            for (int i = 0; i < o.repeats(); i++) {
                GenerationResult result = model.generate(request, TokenCallback.ignore());
                check(result);
                System.out.printf(Locale.ROOT, "  run %d: %s%n", i + 1, summary(result));
                promptRates[i] = result.timings().promptTokensPerSecond();
                decodeRates[i] = result.timings().generatedTokensPerSecond();
                generated = result.generatedTokens();
            }
            return new Figures(load, warmUp, median(promptRates), median(decodeRates), generated);
        }
    }

    private static String summary(GenerationResult r) {
        return String.format(Locale.ROOT, "%d prompt tokens at %.1f tok/s, %d generated at %.1f tok/s (%s)",
                r.promptTokens(), r.timings().promptTokensPerSecond(), r.generatedTokens(),
                r.timings().generatedTokensPerSecond(), r.finishReason());
    }

    private static void check(GenerationResult r) {
        if (r.finishReason() == FinishReason.ERROR) {
            throw new IllegalStateException("the generation failed", r.failure().orElse(null));
        }
    }

    /** A BOS token, then random ids above the byte tokens (the same prompt on both sides). */
    static int[] prompt(int vocabularySize, int length) {
        SplittableRandom random = new SplittableRandom(1);
        int[] prompt = new int[length];
        prompt[0] = 1;
        for (int i = 1; i < length; i++) {
            prompt[i] = 259 + random.nextInt(vocabularySize - 259);
        }
        return prompt;
    }

    private static void writeModel(String size, Path file) throws IOException {
        long start = System.nanoTime();
        long bytes;
        String what;
        if (size.equals("small")) {
            what = "TestModels.random32k, Q4_0";
            bytes = TestModels.random32k(GgmlType.Q4_0, SEED).write(file);
        } else {
            what = "Llama 3.2 1B shape, random weights, Q4_0";
            var model = TestModels.randomWeights(Architecture.LLAMA, Architecture.LLAMA.realisticShape(), SEED)
                    .withWeightType(GgmlType.Q4_0);
            System.out.printf(Locale.ROOT, "model: writing %s (%,d parameters) to %s%n", what, model.parameterCount(),
                    file);
            bytes = model.write(file);
        }
        System.out.printf(Locale.ROOT, "model: %s, %,d bytes, written in %.1f s%n", what, bytes,
                (System.nanoTime() - start) / 1e9);
    }

    private static void describe(NativeRuntime runtime) {
        System.out.println("llama.cpp " + runtime.release() + " from " + runtime.origin());
        System.out.println("  library: " + runtime.library());
        System.out.println("  devices: " + runtime.devices());
        System.out.println("  CPU variant: " + runtime.cpuVariant().orElse("-"));
        System.out.println("  GPU backend files in its folder: " + backendFiles(runtime.library().getParent()));
        System.out.println("  system info: " + runtime.systemInfo());
    }

    /** The ggml backends of a folder other than the CPU ones and ggml-base, e.g. libggml-cuda.so, with sizes. */
    static List<String> backendFiles(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> {
                String name = p.getFileName().toString();
                return name.startsWith("libggml-") && name.endsWith(".so") && !name.startsWith("libggml-cpu")
                        && !name.startsWith("libggml-base");
            }).sorted().map(p -> {
                try {
                    return p + String.format(Locale.ROOT, " (%,d bytes)", Files.size(p));
                } catch (IOException e) {
                    return p.toString();
                }
            }).toList();
        } catch (IOException e) {
            return List.of("(cannot list " + dir + ": " + e.getMessage() + ")");
        }
    }

    /**
     * Which of the CUDA backend's system libraries the dynamic loader finds (as ggml's dlopen would: LD_LIBRARY_PATH,
     * then ldconfig's cache), and what the driver says when there is one.
     */
    static List<String> cudaLibraries() {
        List<String> lines = new ArrayList<>();
        Arena arena = Arena.global();
        SymbolLookup driver = null;
        SymbolLookup runtime = null;
        for (String name : List.of("libcuda.so.1", "libcudart.so.13", "libcublas.so.13", "libcublasLt.so.13")) {
            try {
                SymbolLookup lookup = SymbolLookup.libraryLookup(name, arena);
                lines.add(name + ": found");
                if (name.equals("libcuda.so.1")) {
                    driver = lookup;
                } else if (name.equals("libcudart.so.13")) {
                    runtime = lookup;
                }
            } catch (IllegalArgumentException e) {
                lines.add(name + ": not found" + (name.equals("libcuda.so.1")
                        ? " (no NVIDIA driver here)" : " (the CUDA 13 runtime: the CUDA toolkit or its redistributable libraries)"));
            }
        }
        Linker linker = Linker.nativeLinker();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment out = call.allocate(JAVA_INT);
            if (driver != null) {
                int status = intCall(linker, driver, "cuDriverGetVersion", out);
                lines.add(status == 0 ? "driver supports CUDA " + version(out.get(JAVA_INT, 0))
                        + " (the CUDA 13 runtime needs 13.0 or newer)" : "cuDriverGetVersion failed: " + status);
                int init = (int) linker.downcallHandle(driver.find("cuInit").orElseThrow(),
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT)).invokeExact(0);
                if (init != 0) {
                    lines.add("cuInit failed with CUresult " + init + " (100: no CUDA-capable device)");
                } else if (intCall(linker, driver, "cuDeviceGetCount", out) == 0) {
                    lines.add("the driver sees " + out.get(JAVA_INT, 0) + " GPU(s)");
                }
            }
            if (runtime != null && intCall(linker, runtime, "cudaRuntimeGetVersion", out) == 0) {
                lines.add("CUDA runtime " + version(out.get(JAVA_INT, 0)));
            }
        } catch (Throwable t) {
            lines.add("(asking the CUDA libraries failed: " + t + ")");
        }
        return lines;
    }

    private static int intCall(Linker linker, SymbolLookup library, String function, MemorySegment out) throws Throwable {
        MethodHandle handle = linker.downcallHandle(library.find(function).orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS));
        return (int) handle.invokeExact(out);
    }

    private static String version(int cudaVersion) {
        return cudaVersion / 1000 + "." + cudaVersion % 1000 / 10;
    }

    /**
     * Sends llama.cpp's log (logger {@code dev.rill.llama}, its load messages at debug level) to {@code file}, so
     * that the offload report can be read back, unless slf4j-simple was configured on the command line.
     */
    private static void routeLlamaLog(Path file) {
        if (file == null || System.getProperty("org.slf4j.simpleLogger.logFile") != null) {
            return;
        }
        System.setProperty("org.slf4j.simpleLogger.logFile", file.toString());
        System.setProperty("org.slf4j.simpleLogger.log.dev.rill.llama", "debug");
    }

    /** Prints llama.cpp's lines about devices, offloading and buffers from line {@code from} on; returns those lines. */
    private static List<String> printLoadLog(Path log, int from) throws IOException {
        List<String> lines = lines(log);
        lines = lines.subList(Math.min(from, lines.size()), lines.size());
        for (String line : lines) {
            if (line.contains("offload") || line.contains("buffer size") || line.contains("using device")) {
                System.out.println("  llama.cpp: " + line.substring(line.indexOf(" - ") + 3).strip());
            }
        }
        return lines;
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.isRegularFile(file) ? Files.readAllLines(file) : List.of();
    }

    /** Physical cores from /proc/cpuinfo (distinct physical id and core id), at most the available processors. */
    static int defaultThreads() {
        int available = Runtime.getRuntime().availableProcessors();
        Set<String> cores = new HashSet<>();
        try {
            String physical = "0";
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("physical id")) {
                    physical = line.substring(line.indexOf(':') + 1).strip();
                } else if (line.startsWith("core id")) {
                    cores.add(physical + "/" + line.substring(line.indexOf(':') + 1).strip());
                }
            }
        } catch (IOException | RuntimeException e) {
            return available;
        }
        return cores.isEmpty() ? available : Math.min(cores.size(), available);
    }
}
