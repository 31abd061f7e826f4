package dev.rill.examples;

import dev.rill.llama.LlamaProfile;
import dev.rill.sampling.Sampler;
import dev.rill.sampling.SamplerChain;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * The parsed command line of {@code rill}. {@link #parse} checks every value and throws
 * {@link UsageException} with a message that names the flag.
 */
record CliArguments(Path model, String prompt, boolean chat, String system, int maxTokens, double temperature, OptionalLong seed,
                    List<String> stops, int threads, int gpuLayers, int contextSize, int parallel, Path library,
                    boolean json, boolean verbose, boolean help, List<Lora> loras, Path loraManifest,
                    SamplerChain chain, Path grammar, Path jsonSchema, LlamaProfile llama, String cpuVariant,
                    Path tools, String toolChoice, boolean noThink, int reasoningBudget) {

    /** Whether the prompt goes through the chat template and the output is parsed into channels. */
    boolean chatMode() {
        return chat || tools != null || noThink || reasoningBudget >= 0;
    }

    /**
     * One {@code --lora} value: a GGUF LoRA file, or the name of an adapter of {@code --lora-manifest}, with the
     * scale given after {@code =} (empty: 1 for a file, the manifest's scale for a name).
     */
    record Lora(String target, OptionalDouble scale) {
    }

    static final String USAGE = """
            Usage: rill [options]
                   rill embed --model PATH [options] TEXT...   (embeddings: rill embed --help)
                   rill rerank --model PATH --query TEXT DOCUMENT...   (reranking: rill rerank --help)
                   rill serve [--model PATH] [options]         (OpenAI-compatible server: rill serve --help)
                   rill template --model PATH --messages FILE [--tools FILE]   (rill template --help)
            Streams tokens from a GGUF model through llama.cpp. With no --model, writes a small rigged model
            (its greedy continuation is known: each byte is followed by the next byte) and streams from it.

              -m, --model PATH        GGUF model to load
              -p, --prompt TEXT       prompt (default: "abc" for the rigged model, "Once upon a time" otherwise)
                  --chat              the model's chat template and its output parsed into answer, thinking and
                                      tool calls. With --prompt, one reply: the answer streams to stdout,
                                      thinking to stderr, tool calls print as JSON lines {"id", "name",
                                      "arguments"} at the end. Without, a conversation: each line of standard
                                      input is a user message and the model keeps the conversation's KV cells
                                      between turns. Commands: /save FILE, /load FILE, /reset, /exit, and
                                      /tool CALL_ID RESULT (a tool's answer, the next turn's message)
                  --system TEXT       with --chat, the system message that starts the conversation
                  --tools FILE        offer the tools of a JSON file ([{"type": "function", "function":
                                      {"name", "description", "parameters"}}]); calls print as JSON lines
                  --tool-choice C     auto (default), none, required, or a tool's name
                  --no-think          turn thinking off: enable_thinking=false for templates that read it,
                                      else close the thinking block at once; implies --chat
                  --reasoning-budget N  close the thinking after N tokens; implies --chat
              -n, --max-tokens N      most tokens to generate (default 64)
                  --temperature T     0 for greedy (default), above 0 samples from softmax(logits / T)
                  --top-k N           keep the N most likely tokens (0: off)
                  --top-p P           keep the smallest set of tokens whose probability reaches P
                  --min-p P           drop tokens less likely than P times the most likely one
                  --typical P         locally typical sampling with mass P
                  --repeat-penalty X  penalize tokens seen in the last --repeat-last-n (64) generated tokens
                  --repeat-last-n N   the window of --repeat-penalty
                  --grammar FILE      constrain the output with a GBNF grammar
                  --json-schema FILE  constrain the output to JSON matching a JSON schema
                  --seed N            sampler seed (default: random, printed at the end)
                  --stop TEXT         stop when TEXT appears; repeatable
              -t, --threads N         CPU threads (default: available processors)
                  --gpu-layers N      layers to offload to the GPU (needs a GPU build, see --library)
              -c, --ctx-size N        context size (default: 4096 or the model's training context)
                  --parallel N        run N streams of the prompt at once (seeds seed, seed+1, ...), batched
                                      into one decode per step; prints each output and the total tokens/s
                  --lora PATH[=SCALE] run with the LoRA adapter in the GGUF file PATH at SCALE (default 1);
                                      repeatable: several adapters mix. With --lora-manifest, PATH may also be
                                      the name of one of its adapters (default: its manifest scale)
                  --lora-manifest FILE  register the adapters of a JSON manifest (docs/adapters.md); without
                                      --lora, every one of them runs at its manifest scale
                  --llama current|b4916  which llama.cpp release to load (default: current, from the
                                      rill-native jar; b4916 from de.kherud:llama)
                  --cpu-variant NAME  load this CPU backend of the current release (e.g. haswell, zen4, x64)
                                      instead of the best one for this processor
                  --library PATH      a llama.cpp shared library (your own build, e.g. with CUDA) to load instead
                  --json              one JSON object per token, then one with the result (with --chat:
                                      each token's channel and deltas, then content, reasoning, tool_calls)
                  --verbose           show which llama.cpp, backends and CPU variant run, and llama.cpp's log
              -h, --help              this text
            """;

    /** A command line that cannot be run; the message says why. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    static CliArguments parse(String... args) throws UsageException {
        Path model = null;
        String prompt = null;
        boolean chat = false;
        String system = null;
        int maxTokens = 64;
        double temperature = 0;
        Integer topK = null;
        Double topP = null;
        Double minP = null;
        Double typical = null;
        Double repeatPenalty = null;
        int repeatLastN = 64;
        Path grammar = null;
        Path jsonSchema = null;
        OptionalLong seed = OptionalLong.empty();
        List<String> stops = new ArrayList<>();
        int threads = 0;
        int gpuLayers = 0;
        int contextSize = 0;
        int parallel = 1;
        Path library = null;
        LlamaProfile llama = null;
        String cpuVariant = null;
        boolean json = false;
        boolean verbose = false;
        boolean help = false;
        List<Lora> loras = new ArrayList<>();
        Path loraManifest = null;
        Path tools = null;
        String toolChoice = null;
        boolean noThink = false;
        int reasoningBudget = -1;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            switch (flag) {
                case "-m", "--model" -> model = Path.of(value(args, ++i, flag));
                case "-p", "--prompt" -> prompt = value(args, ++i, flag);
                case "--chat" -> chat = true;
                case "--system" -> system = value(args, ++i, flag);
                case "-n", "--max-tokens" -> maxTokens = integer(args, ++i, flag, 1, Integer.MAX_VALUE);
                case "--temperature", "--temp" -> temperature = decimal(args, ++i, flag);
                case "--seed" -> seed = OptionalLong.of(longValue(args, ++i, flag));
                case "--top-k" -> topK = integer(args, ++i, flag, 0, Integer.MAX_VALUE);
                case "--top-p" -> topP = decimal(args, ++i, flag);
                case "--min-p" -> minP = decimal(args, ++i, flag);
                case "--typical" -> typical = decimal(args, ++i, flag);
                case "--repeat-penalty" -> repeatPenalty = decimal(args, ++i, flag);
                case "--repeat-last-n" -> repeatLastN = integer(args, ++i, flag, 0, 1 << 20);
                case "--grammar" -> grammar = Path.of(value(args, ++i, flag));
                case "--json-schema" -> jsonSchema = Path.of(value(args, ++i, flag));
                case "--stop" -> {
                    String stop = value(args, ++i, flag);
                    if (stop.isEmpty()) {
                        throw new UsageException("--stop needs a non-empty text");
                    }
                    stops.add(stop);
                }
                case "-t", "--threads" -> threads = integer(args, ++i, flag, 1, 1024);
                case "--gpu-layers", "-ngl" -> gpuLayers = integer(args, ++i, flag, 0, Integer.MAX_VALUE);
                case "-c", "--ctx-size" -> contextSize = integer(args, ++i, flag, 16, 1 << 24);
                case "--parallel", "-np" -> parallel = integer(args, ++i, flag, 1, 64);
                case "--library" -> library = Path.of(value(args, ++i, flag));
                case "--llama" -> {
                    try {
                        llama = LlamaProfile.fromLabel(value(args, ++i, flag));
                    } catch (IllegalArgumentException e) {
                        throw new UsageException("--llama: " + e.getMessage());
                    }
                }
                case "--cpu-variant" -> cpuVariant = value(args, ++i, flag);
                case "--lora" -> loras.add(lora(value(args, ++i, flag)));
                case "--lora-manifest" -> loraManifest = Path.of(value(args, ++i, flag));
                case "--tools" -> tools = Path.of(value(args, ++i, flag));
                case "--tool-choice" -> toolChoice = value(args, ++i, flag);
                case "--no-think" -> noThink = true;
                case "--reasoning-budget" -> reasoningBudget = integer(args, ++i, flag, 0, Integer.MAX_VALUE);
                case "--json" -> json = true;
                case "--verbose", "-v" -> verbose = true;
                case "-h", "--help" -> help = true;
                default -> throw new UsageException("unknown option: " + flag);
            }
        }
        if (system != null && !(chat || tools != null || noThink || reasoningBudget >= 0)) {
            throw new UsageException("--system needs --chat");
        }
        if (toolChoice != null && tools == null) {
            throw new UsageException("--tool-choice needs --tools");
        }
        if (noThink && reasoningBudget > 0) {
            throw new UsageException("--no-think and --reasoning-budget cannot be combined");
        }
        if (grammar != null && jsonSchema != null) {
            throw new UsageException("--grammar and --json-schema cannot be combined");
        }
        SamplerChain chain;
        try {
            SamplerChain.Builder builder = Sampler.chain().temperature(temperature);
            if (topK != null) {
                builder.topK(topK);
            }
            if (topP != null) {
                builder.topP(topP);
            }
            if (minP != null) {
                builder.minP(minP);
            }
            if (typical != null) {
                builder.typicalP(typical);
            }
            if (repeatPenalty != null) {
                builder.penalties(repeatLastN, repeatPenalty, 0, 0);
            }
            chain = builder.build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return new CliArguments(model, prompt, chat, system, maxTokens, temperature, seed, List.copyOf(stops), threads, gpuLayers,
                contextSize, parallel, library, json, verbose, help, List.copyOf(loras), loraManifest, chain, grammar,
                jsonSchema, llama, cpuVariant, tools, toolChoice, noThink, reasoningBudget);
    }

    /** {@code PATH} or {@code PATH=SCALE}; a suffix after the last '=' that is not a number belongs to the path. */
    private static Lora lora(String text) throws UsageException {
        int eq = text.lastIndexOf('=');
        if (eq > 0) {
            String suffix = text.substring(eq + 1).strip();
            double scale;
            try {
                scale = Double.parseDouble(suffix);
            } catch (NumberFormatException e) {
                return new Lora(text, OptionalDouble.empty());
            }
            if (!Double.isFinite(scale) || !Float.isFinite((float) scale)) {
                throw new UsageException("--lora needs a finite scale after '=', got \"" + suffix + "\"");
            }
            return new Lora(text.substring(0, eq), OptionalDouble.of(scale));
        }
        if (text.isEmpty() || eq == 0) {
            throw new UsageException("--lora needs PATH or PATH=SCALE, got \"" + text + "\"");
        }
        return new Lora(text, OptionalDouble.empty());
    }

    /** The value after {@code flag}, at {@code args[i]}. */
    static String value(String[] args, int i, String flag) throws UsageException {
        if (i >= args.length) {
            throw new UsageException(flag + " needs a value");
        }
        return args[i];
    }

    /** The whole number after {@code flag}, at {@code args[i]}, in {@code [min, max]}. */
    static int integer(String[] args, int i, String flag, int min, int max) throws UsageException {
        String text = value(args, i, flag);
        int n;
        try {
            n = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new UsageException(flag + " needs a whole number, got \"" + text + "\"");
        }
        if (n < min || n > max) {
            throw new UsageException(flag + " must be in [" + min + ", " + max + "], got " + n);
        }
        return n;
    }

    private static long longValue(String[] args, int i, String flag) throws UsageException {
        String text = value(args, i, flag);
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new UsageException(flag + " needs a whole number, got \"" + text + "\"");
        }
    }

    private static double decimal(String[] args, int i, String flag) throws UsageException {
        String text = value(args, i, flag);
        double d;
        try {
            d = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new UsageException(flag + " needs a number, got \"" + text + "\"");
        }
        if (!(d >= 0) || Double.isInfinite(d)) {
            throw new UsageException(flag + " must be a finite number >= 0, got " + text);
        }
        return d;
    }
}
