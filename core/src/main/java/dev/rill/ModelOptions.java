package dev.rill;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rill.llama.LlamaProfile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;

/**
 * How to load a model and size the context that serves it. Immutable; build with {@link #builder()} or read
 * from JSON with {@link #fromJson(String)}.
 *
 * <table>
 *   <caption>Options and defaults</caption>
 *   <tr><th>option</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>libraryPath</td><td>none</td><td>a llama.cpp shared library (of either release Rill speaks) to use
 *       instead of the jars' builds; see the README for the order of attempts</td></tr>
 *   <tr><td>llamaProfile</td><td>none: {@code -Drill.llama.profile}, else the current release if its jar is
 *       there, else b4916</td><td>which llama.cpp release to load ({@link LlamaProfile}); one per JVM</td></tr>
 *   <tr><td>gpuLayers</td><td>0</td><td>layers to offload to the GPU; {@link #ALL_LAYERS} for every one</td></tr>
 *   <tr><td>mmap</td><td>true</td><td>map the file rather than read it</td></tr>
 *   <tr><td>mlock</td><td>false</td><td>lock the weights in RAM</td></tr>
 *   <tr><td>contextSize</td><td>4096, at most the training context</td><td>KV cache cells, shared by all
 *       sequences</td></tr>
 *   <tr><td>batchSize</td><td>512</td><td>most tokens in one decode (prompt chunks and running
 *       sequences together)</td></tr>
 *   <tr><td>threads</td><td>available processors</td><td>threads for generation</td></tr>
 *   <tr><td>batchThreads</td><td>same as threads</td><td>threads for prompt evaluation</td></tr>
 *   <tr><td>parallelSequences</td><td>1</td><td>sequences decoded together; each gets
 *       {@code contextSize / parallelSequences} cells</td></tr>
 *   <tr><td>queueCapacity</td><td>64</td><td>requests that may wait for a sequence slot; more are rejected</td></tr>
 *   <tr><td>flashAttention</td><td>false</td><td>llama.cpp's flash attention</td></tr>
 *   <tr><td>kvCacheType</td><td>F16</td><td>see {@link KvCacheType}</td></tr>
 *   <tr><td>promptCache</td><td>true</td><td>a finished sequence's KV cells stay in its slot, and a later
 *       prompt that starts with the same tokens (under the same LoRA adapters) evaluates only the rest; a
 *       prefix that concurrent prompts share is evaluated once and copied</td></tr>
 *   <tr><td>probeInChildProcess</td><td>false</td><td>{@link Model#load} first probes the file in a child
 *       process ({@link Model#probe}) and loads it only if it passed: for model files from people you do not
 *       trust</td></tr>
 *   <tr><td>probeTimeout</td><td>5 minutes</td><td>how long a probe's child may take (JVM start, load, one
 *       decode) before it is killed</td></tr>
 * </table>
 *
 * <p>Threads: more threads than cores makes llama.cpp much slower (OpenMP oversubscription), so the defaults
 * never exceed the available processors.
 */
public final class ModelOptions {
    /** {@link Builder#gpuLayers} value that offloads every layer. */
    public static final int ALL_LAYERS = 999;
    /** The most sequences one context decodes together. */
    public static final int MAX_PARALLEL_SEQUENCES = 64;
    /** The default of {@link Builder#probeTimeout}. */
    public static final Duration DEFAULT_PROBE_TIMEOUT = Duration.ofMinutes(5);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path libraryPath;
    private final LlamaProfile llamaProfile;
    private final int gpuLayers;
    private final boolean mmap;
    private final boolean mlock;
    private final int contextSize;
    private final int batchSize;
    private final int threads;
    private final int batchThreads;
    private final int parallelSequences;
    private final int queueCapacity;
    private final boolean flashAttention;
    private final boolean promptCache;
    private final KvCacheType kvCacheType;
    private final boolean probeInChildProcess;
    private final Duration probeTimeout;

    private ModelOptions(Builder b) {
        this.libraryPath = b.libraryPath;
        this.llamaProfile = b.llamaProfile;
        this.gpuLayers = b.gpuLayers == null ? 0 : b.gpuLayers;
        this.mmap = b.mmap == null || b.mmap;
        this.mlock = b.mlock != null && b.mlock;
        this.contextSize = b.contextSize == null ? 0 : b.contextSize;
        this.batchSize = b.batchSize == null ? 512 : b.batchSize;
        this.threads = b.threads == null ? Runtime.getRuntime().availableProcessors() : b.threads;
        this.batchThreads = b.batchThreads == null ? this.threads : b.batchThreads;
        this.parallelSequences = b.parallelSequences == null ? 1 : b.parallelSequences;
        this.queueCapacity = b.queueCapacity == null ? 64 : b.queueCapacity;
        this.flashAttention = b.flashAttention != null && b.flashAttention;
        this.promptCache = b.promptCache == null || b.promptCache;
        this.kvCacheType = b.kvCacheType == null ? KvCacheType.F16 : b.kvCacheType;
        this.probeInChildProcess = b.probeInChildProcess != null && b.probeInChildProcess;
        this.probeTimeout = b.probeTimeout == null ? DEFAULT_PROBE_TIMEOUT : b.probeTimeout;
    }

    /** Every option at its default. */
    public static ModelOptions defaults() {
        return builder().build();
    }

    /** A builder with nothing set. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads options from a JSON object whose fields are the option names above, for example
     * {@code {"contextSize": 2048, "threads": 2, "kvCacheType": "F16"}}. Unknown fields and invalid values are
     * errors that name the field.
     *
     * @throws IllegalArgumentException for malformed JSON, an unknown field or an invalid value
     */
    public static ModelOptions fromJson(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("model options are not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("model options must be a JSON object");
        }
        Builder b = builder();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            var field = it.next();
            String name = field.getKey();
            JsonNode value = field.getValue();
            try {
                switch (name) {
                    case "libraryPath" -> b.libraryPath(Path.of(text(value)));
                    case "llamaProfile" -> b.llamaProfile(LlamaProfile.fromLabel(text(value)));
                    case "gpuLayers" -> b.gpuLayers(integer(value));
                    case "mmap" -> b.mmap(bool(value));
                    case "mlock" -> b.mlock(bool(value));
                    case "contextSize" -> b.contextSize(integer(value));
                    case "batchSize" -> b.batchSize(integer(value));
                    case "threads" -> b.threads(integer(value));
                    case "batchThreads" -> b.batchThreads(integer(value));
                    case "parallelSequences" -> b.parallelSequences(integer(value));
                    case "queueCapacity" -> b.queueCapacity(integer(value));
                    case "flashAttention" -> b.flashAttention(bool(value));
                    case "promptCache" -> b.promptCache(bool(value));
                    case "kvCacheType" -> b.kvCacheType(KvCacheType.valueOf(text(value)));
                    case "probeInChildProcess" -> b.probeInChildProcess(bool(value));
                    case "probeTimeout" -> b.probeTimeout(duration(value));
                    default -> throw new IllegalArgumentException("unknown option");
                }
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw new IllegalArgumentException("model options field \"" + name + "\" (" + value + "): " + e.getMessage(), e);
            }
        }
        return b.build();
    }

    /** Reads options from a JSON file; see {@link #fromJson(String)}. */
    public static ModelOptions fromJson(Path file) throws IOException {
        return fromJson(Files.readString(file));
    }

    /** These options as a JSON object that {@link #fromJson(String)} reads back. */
    public String toJson() {
        ObjectNode node = JSON.createObjectNode();
        if (libraryPath != null) {
            node.put("libraryPath", libraryPath.toString());
        }
        if (llamaProfile != null) {
            node.put("llamaProfile", llamaProfile.label());
        }
        node.put("gpuLayers", gpuLayers);
        node.put("mmap", mmap);
        node.put("mlock", mlock);
        if (contextSize > 0) {
            node.put("contextSize", contextSize);
        }
        node.put("batchSize", batchSize);
        node.put("threads", threads);
        node.put("batchThreads", batchThreads);
        node.put("parallelSequences", parallelSequences);
        node.put("queueCapacity", queueCapacity);
        node.put("flashAttention", flashAttention);
        node.put("promptCache", promptCache);
        node.put("kvCacheType", kvCacheType.name());
        node.put("probeInChildProcess", probeInChildProcess);
        node.put("probeTimeout", probeTimeout.toString());
        return node.toString();
    }

    private static String text(JsonNode value) {
        if (!value.isTextual()) {
            throw new IllegalArgumentException("expected a string");
        }
        return value.asText();
    }

    private static int integer(JsonNode value) {
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw new IllegalArgumentException("expected an integer");
        }
        return value.asInt();
    }

    private static Duration duration(JsonNode value) {
        try {
            return Duration.parse(text(value));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("expected an ISO-8601 duration such as \"PT2M\"");
        }
    }

    private static boolean bool(JsonNode value) {
        if (!value.isBoolean()) {
            throw new IllegalArgumentException("expected true or false");
        }
        return value.asBoolean();
    }

    /** The llama.cpp release asked for, if any. */
    public java.util.Optional<LlamaProfile> llamaProfile() {
        return java.util.Optional.ofNullable(llamaProfile);
    }

    /** A llama.cpp library to load instead of the bundled one, or null. */
    public Path libraryPath() {
        return libraryPath;
    }

    /** Layers to offload to the GPU. */
    public int gpuLayers() {
        return gpuLayers;
    }

    /** Whether the model file is memory-mapped. */
    public boolean mmap() {
        return mmap;
    }

    /** Whether the weights are locked in RAM. */
    public boolean mlock() {
        return mlock;
    }

    /** The context size asked for, or 0 for the default (4096, at most the model's training context). */
    public int contextSize() {
        return contextSize;
    }

    /** The most tokens in one decode. */
    public int batchSize() {
        return batchSize;
    }

    /** Threads for generation. */
    public int threads() {
        return threads;
    }

    /** Threads for prompt evaluation. */
    public int batchThreads() {
        return batchThreads;
    }

    /** Sequences decoded together. */
    public int parallelSequences() {
        return parallelSequences;
    }

    /** Requests that may wait for a slot. */
    public int queueCapacity() {
        return queueCapacity;
    }

    /** Whether flash attention is on. */
    public boolean flashAttention() {
        return flashAttention;
    }

    /** Whether finished sequences' KV cells are kept for later prompts that start the same way. */
    public boolean promptCache() {
        return promptCache;
    }

    /** The KV cache's element type. */
    public KvCacheType kvCacheType() {
        return kvCacheType;
    }

    /** Whether {@link Model#load} probes the file in a child process first. */
    public boolean probeInChildProcess() {
        return probeInChildProcess;
    }

    /** How long a probe's child process may take before it is killed. */
    public Duration probeTimeout() {
        return probeTimeout;
    }

    @Override
    public String toString() {
        return "ModelOptions" + toJson();
    }

    /**
     * Builds {@link ModelOptions}. Each setter checks its argument at once and names the bad value; setting an
     * option twice is an error. Checks that involve several options run in {@link #build()}.
     */
    public static final class Builder {
        private Path libraryPath;
        private LlamaProfile llamaProfile;
        private Integer gpuLayers;
        private Boolean mmap;
        private Boolean mlock;
        private Integer contextSize;
        private Integer batchSize;
        private Integer threads;
        private Integer batchThreads;
        private Integer parallelSequences;
        private Integer queueCapacity;
        private Boolean flashAttention;
        private Boolean promptCache;
        private KvCacheType kvCacheType;
        private Boolean probeInChildProcess;
        private Duration probeTimeout;

        private Builder() {
        }

        /**
         * The llama.cpp release to load: {@link LlamaProfile#CURRENT} from a {@code rill-native} jar, or
         * {@link LlamaProfile#B4916} from de.kherud:llama. A JVM loads one; asking for the other later fails.
         */
        public Builder llamaProfile(LlamaProfile profile) {
            once(llamaProfile, "llamaProfile");
            this.llamaProfile = Objects.requireNonNull(profile, "llamaProfile");
            return this;
        }

        /** A llama.cpp shared library (e.g. your own CUDA build) to load instead of the jars' builds. */
        public Builder libraryPath(Path path) {
            once(libraryPath, "libraryPath");
            this.libraryPath = Objects.requireNonNull(path, "libraryPath");
            return this;
        }

        /** Layers to offload to the GPU, 0 (CPU only) or more; {@link #ALL_LAYERS} for all. */
        public Builder gpuLayers(int layers) {
            once(gpuLayers, "gpuLayers");
            this.gpuLayers = atLeast("gpuLayers", layers, 0);
            return this;
        }

        /** Whether to memory-map the model file (default true). */
        public Builder mmap(boolean mmap) {
            once(this.mmap, "mmap");
            this.mmap = mmap;
            return this;
        }

        /** Whether to lock the weights in RAM (default false). */
        public Builder mlock(boolean mlock) {
            once(this.mlock, "mlock");
            this.mlock = mlock;
            return this;
        }

        /** KV cache cells shared by all sequences, 16 to 16,777,216. */
        public Builder contextSize(int cells) {
            once(contextSize, "contextSize");
            this.contextSize = between("contextSize", cells, 16, 1 << 24);
            return this;
        }

        /** Most tokens in one decode, 1 to 65,536 (default 512). */
        public Builder batchSize(int tokens) {
            once(batchSize, "batchSize");
            this.batchSize = between("batchSize", tokens, 1, 1 << 16);
            return this;
        }

        /** Threads for generation, 1 to 1024 (default: available processors). */
        public Builder threads(int threads) {
            once(this.threads, "threads");
            this.threads = between("threads", threads, 1, 1024);
            return this;
        }

        /** Threads for prompt evaluation, 1 to 1024 (default: {@code threads}). */
        public Builder batchThreads(int threads) {
            once(this.batchThreads, "batchThreads");
            this.batchThreads = between("batchThreads", threads, 1, 1024);
            return this;
        }

        /** Sequences decoded together, 1 to {@value ModelOptions#MAX_PARALLEL_SEQUENCES} (default 1). */
        public Builder parallelSequences(int sequences) {
            once(parallelSequences, "parallelSequences");
            this.parallelSequences = between("parallelSequences", sequences, 1, MAX_PARALLEL_SEQUENCES);
            return this;
        }

        /** Requests that may wait for a sequence slot, 0 to 1,000,000 (default 64). */
        public Builder queueCapacity(int requests) {
            once(queueCapacity, "queueCapacity");
            this.queueCapacity = between("queueCapacity", requests, 0, 1_000_000);
            return this;
        }

        /** Whether to use flash attention (default false). */
        public Builder flashAttention(boolean on) {
            once(flashAttention, "flashAttention");
            this.flashAttention = on;
            return this;
        }

        /**
         * Whether to keep a finished sequence's KV cells for a later prompt with the same beginning, and to copy a
         * prefix concurrent prompts share instead of evaluating it for each (default true). Off, every prompt is
         * evaluated in full and a sequence's cells are freed when it ends. Chat sessions keep their cells either way.
         */
        public Builder promptCache(boolean on) {
            once(promptCache, "promptCache");
            this.promptCache = on;
            return this;
        }

        /** The KV cache's element type (default F16). */
        public Builder kvCacheType(KvCacheType type) {
            once(kvCacheType, "kvCacheType");
            this.kvCacheType = Objects.requireNonNull(type, "kvCacheType");
            return this;
        }

        /**
         * Whether {@link Model#load} first probes the file in a child process (default false): a JVM started with
         * this one's java, class path and module path loads the model, creates a small context on it and decodes
         * a few tokens; only a file that passed is then loaded here. A file on which llama.cpp crashes (a failed
         * assertion, a segmentation fault) or hangs then ends the child, not this JVM, and the load throws
         * {@link ModelProbeException}. Java's checks catch the crashes known to Rill before llama.cpp sees the
         * file; the probe covers the rest, at the cost of a second load (see docs/reliability.md for figures).
         */
        public Builder probeInChildProcess(boolean on) {
            once(probeInChildProcess, "probeInChildProcess");
            this.probeInChildProcess = on;
            return this;
        }

        /**
         * How long a probe's child process may take, JVM start, load and decode together, before it is killed and
         * the probe fails with {@link ModelProbeException.Outcome#TIMED_OUT}: 1 ms to 1 day (default
         * {@link ModelOptions#DEFAULT_PROBE_TIMEOUT}). A large model read from a slow disk needs more.
         */
        public Builder probeTimeout(Duration timeout) {
            once(probeTimeout, "probeTimeout");
            Objects.requireNonNull(timeout, "probeTimeout");
            if (timeout.compareTo(Duration.ofMillis(1)) < 0 || timeout.compareTo(Duration.ofDays(1)) > 0) {
                throw new IllegalArgumentException("probeTimeout must be from 1 ms to 1 day, was " + timeout);
            }
            this.probeTimeout = timeout;
            return this;
        }

        /**
         * The options.
         *
         * @throws IllegalArgumentException for combinations llama.cpp cannot run: flash attention with an F32
         *     cache (the CPU backend aborts the process on it), a Q8_0 cache without flash attention, or fewer
         *     than 8 context cells per sequence
         */
        public ModelOptions build() {
            KvCacheType type = kvCacheType == null ? KvCacheType.F16 : kvCacheType;
            boolean flash = flashAttention != null && flashAttention;
            if (flash && type == KvCacheType.F32) {
                throw new IllegalArgumentException("flashAttention cannot be combined with kvCacheType F32 (llama.cpp's CPU "
                        + "flash attention supports F16 and quantized caches only); use F16");
            }
            if (!flash && type == KvCacheType.Q8_0) {
                throw new IllegalArgumentException("kvCacheType Q8_0 needs flashAttention(true)");
            }
            int sequences = parallelSequences == null ? 1 : parallelSequences;
            if (contextSize != null && contextSize / sequences < 8) {
                throw new IllegalArgumentException("contextSize " + contextSize + " leaves fewer than 8 cells to each of "
                        + sequences + " parallel sequences");
            }
            return new ModelOptions(this);
        }

        private static void once(Object current, String name) {
            if (current != null) {
                throw new IllegalStateException(name + " was already set to " + current);
            }
        }

        private static int atLeast(String name, int value, int min) {
            if (value < min) {
                throw new IllegalArgumentException(name + " must be at least " + min + ", was " + value);
            }
            return value;
        }

        private static int between(String name, int value, int min, int max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "], was " + value);
            }
            return value;
        }
    }
}
