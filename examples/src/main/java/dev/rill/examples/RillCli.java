package dev.rill.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rill.ChatMessage;
import dev.rill.GenerationException;
import dev.rill.Grammar;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.Model;
import dev.rill.ModelOptions;
import dev.rill.llama.NativeRuntime;
import dev.rill.Prompt;
import dev.rill.RillException;
import dev.rill.StreamToken;
import dev.rill.TokenCallback;
import dev.rill.adapters.AdapterManifest;
import dev.rill.adapters.AdapterRegistry;
import dev.rill.adapters.AdapterSelection;
import dev.rill.sampling.Sampler;
import dev.rill.testkit.TestModels;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The {@code rill} command: streams tokens from a GGUF model, as text or as JSON lines; {@code rill embed} prints
 * embeddings ({@link EmbedCommand}), {@code rill rerank} scores documents ({@link RerankCommand}); {@code rill serve}
 * runs an OpenAI-compatible server ({@link ServeCommand}). Run {@code ./rill --help}.
 */
public final class RillCli {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RIGGED_PROMPT = "abc";

    private RillCli() {
    }

    /** Runs the command and exits with its status: 0 done, 1 failed, 2 bad arguments. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, System.in, out, err);
    }

    /** As {@link #run(String[], PrintStream, PrintStream)}, reading a {@code --chat} conversation from {@code in}. */
    static int run(String[] args, java.io.InputStream in, PrintStream out, PrintStream err) {
        if (args.length > 0 && args[0].equals("template")) {
            configureLogging(false);
            return TemplateCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), out, err);
        }
        if (args.length > 0 && args[0].equals("embed")) {
            configureLogging(false);
            return EmbedCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), out, err);
        }
        if (args.length > 0 && args[0].equals("rerank")) {
            configureLogging(false);
            return RerankCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), out, err);
        }
        if (args.length > 0 && args[0].equals("serve")) {
            configureLogging(false);
            return ServeCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), out, err);
        }
        CliArguments cli;
        try {
            cli = CliArguments.parse(args);
        } catch (CliArguments.UsageException e) {
            err.println("rill: " + e.getMessage());
            err.println();
            err.print(CliArguments.USAGE);
            return 2;
        }
        if (cli.help()) {
            out.print(CliArguments.USAGE);
            return 0;
        }
        configureLogging(cli.verbose());
        Path temporary = null;
        try {
            Path modelPath = cli.model();
            String prompt = cli.prompt();
            if (modelPath == null && cli.chat() && prompt == null) {
                temporary = Files.createTempDirectory("rill-");
                modelPath = temporary.resolve("rigged-plus-one.gguf");
                TestModels.plusOne().write(modelPath);
                if (!cli.json()) {
                    err.println("No --model given: chatting with a rigged model whose greedy output is known (each byte is "
                            + "followed by the next one), written to " + modelPath);
                }
            } else if (modelPath == null) {
                temporary = Files.createTempDirectory("rill-");
                modelPath = temporary.resolve("rigged-plus-one.gguf");
                TestModels.plusOne().write(modelPath);
                if (prompt == null) {
                    prompt = RIGGED_PROMPT;
                }
                if (!cli.json()) {
                    err.println("No --model given: streaming from a rigged model whose greedy output is known (each byte is "
                            + "followed by the next one), written to " + modelPath);
                }
            }
            if (cli.chat() && prompt == null) {
                return ChatCommand.run(cli, options(cli).build(), modelPath, in, out, err);
            }
            if (prompt == null) {
                prompt = "Once upon a time";
            }
            return generate(cli, modelPath, prompt, out, err);
        } catch (IOException | UncheckedIOException e) {
            err.println("rill: " + e.getMessage());
            return 1;
        } finally {
            if (temporary != null) {
                deleteQuietly(temporary);
            }
        }
    }

    private static int generate(CliArguments cli, Path modelPath, String prompt, PrintStream out, PrintStream err) {
        ModelOptions.Builder options = options(cli);
        if (cli.parallel() > 1) {
            options.parallelSequences(cli.parallel());
            if (cli.contextSize() == 0) {
                options.contextSize(Math.max(4096, 512 * cli.parallel()));
            }
        }
        return generate(cli, modelPath, prompt, options, out, err);
    }

    /** The model options of the flags every mode shares. */
    static ModelOptions.Builder options(CliArguments cli) {
        ModelOptions.Builder options = ModelOptions.builder();
        if (cli.threads() > 0) {
            options.threads(cli.threads());
        }
        if (cli.gpuLayers() > 0) {
            options.gpuLayers(cli.gpuLayers());
        }
        if (cli.contextSize() > 0) {
            options.contextSize(cli.contextSize());
        }
        if (cli.library() != null) {
            options.libraryPath(cli.library());
        }
        if (cli.llama() != null) {
            options.llamaProfile(cli.llama());
        }
        if (cli.cpuVariant() != null) {
            System.setProperty("rill.llama.cpu-variant", cli.cpuVariant());
        }
        return options;
    }

    private static int generate(CliArguments cli, Path modelPath, String prompt, ModelOptions.Builder options,
                                PrintStream out, PrintStream err) {
        try (Model model = Model.load(modelPath, options.build());
             AdapterRegistry adapters = AdapterRegistry.create(model)) {
            if (cli.verbose()) {
                NativeRuntime runtime = model.info().runtime();
                err.println("llama.cpp " + runtime.release() + " (profile " + runtime.profile().label() + ") from "
                        + runtime.library() + " [" + runtime.origin() + "]");
                err.println("CPU variant: " + runtime.cpuVariant().orElse("built in") + "; devices: "
                        + (runtime.devices().isEmpty() ? "CPU" : String.join(", ", runtime.devices())));
                err.println("system: " + runtime.systemInfo());
            }
            AdapterSelection selection = adapterSelection(cli, adapters);
            Sampler sampler = sampler(cli, model);
            if (cli.chatMode() && cli.parallel() == 1) {
                return ChatReplyCommand.run(cli, model, adapters, selection, sampler, prompt, out, err);
            }
            List<ChatMessage> messages = cli.system() == null ? List.of(ChatMessage.user(prompt))
                    : List.of(ChatMessage.system(cli.system()), ChatMessage.user(prompt));
            Prompt input = cli.chat() ? Prompt.chat(messages) : Prompt.text(prompt);
            GenerationRequest.Builder request = GenerationRequest.builder(input)
                    .maxTokens(cli.maxTokens())
                    .sampler(sampler)
                    .stop(cli.stops());
            if (cli.parallel() > 1) {
                return parallel(cli, adapters, selection, sampler, input, prompt, out, err);
            }
            cli.seed().ifPresent(request::seed);
            TokenCallback printer = cli.json() ? (token, g) -> out.println(tokenJson(token)) : (token, g) -> {
                out.print(token.text());
                out.flush();
            };
            if (!cli.json()) {
                out.print(prompt);
                out.flush();
            }
            GenerationResult result = adapters.generate(request, selection, printer);
            if (cli.json()) {
                out.println(resultJson(result));
            } else {
                out.println();
                err.println(summary(result));
            }
            return 0;
        } catch (GenerationException e) {
            if (!cli.json()) {
                out.println();
            }
            err.println("rill: " + e.getMessage());
            return 1;
        } catch (RillException | IllegalArgumentException | IllegalStateException e) {
            err.println("rill: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("rill: cannot read " + e.getMessage());
            return 1;
        }
    }

    /**
     * The adapters of {@code --lora} and {@code --lora-manifest}: the manifest's adapters are registered; each
     * {@code --lora} names one of them or a file (registered under its path); without {@code --lora}, every
     * manifest adapter runs at its scale.
     */
    static AdapterSelection adapterSelection(CliArguments cli, AdapterRegistry adapters) {
        if (cli.loraManifest() != null) {
            adapters.registerAll(AdapterManifest.read(cli.loraManifest()));
            if (cli.loras().isEmpty()) {
                AdapterSelection.Builder all = AdapterSelection.builder();
                adapters.names().forEach(all::add);
                return all.build();
            }
        }
        AdapterSelection.Builder selection = AdapterSelection.builder();
        for (CliArguments.Lora lora : cli.loras()) {
            String name = lora.target();
            if (!adapters.isRegistered(name)) {
                adapters.register(name, Path.of(name));
            }
            if (lora.scale().isPresent()) {
                selection.add(name, (float) lora.scale().getAsDouble());
            } else {
                selection.add(name);
            }
        }
        return selection.build();
    }

    /** Runs {@code --parallel N} streams of one prompt at once, each with its own seed. */
    private static int parallel(CliArguments cli, AdapterRegistry adapters, AdapterSelection selection, Sampler sampler,
                                Prompt input, String prompt, PrintStream out, PrintStream err) {
        int n = cli.parallel();
        long baseSeed = cli.seed().orElseGet(() -> java.util.concurrent.ThreadLocalRandom.current().nextLong());
        List<dev.rill.Generation> generations = new java.util.ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            int stream = i;
            GenerationRequest.Builder request = GenerationRequest.builder(input)
                    .maxTokens(cli.maxTokens())
                    .sampler(sampler)
                    .stop(cli.stops())
                    .seed(baseSeed + i);
            TokenCallback callback = cli.json()
                    ? (token, g) -> {
                        ObjectNode node = (ObjectNode) tokenNode(token);
                        node.put("stream", stream);
                        out.println(node);
                    }
                    : TokenCallback.ignore();
            generations.add(adapters.submit(request, selection, callback));
        }
        List<GenerationResult> results = new java.util.ArrayList<>();
        boolean failed = false;
        for (dev.rill.Generation generation : generations) {
            GenerationResult result = generation.result().join();
            results.add(result);
            failed |= result.finishReason() == dev.rill.FinishReason.ERROR;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long total = results.stream().mapToLong(GenerationResult::generatedTokens).sum();
        for (int i = 0; i < n; i++) {
            GenerationResult result = results.get(i);
            if (cli.json()) {
                ObjectNode node = resultNode(result);
                node.put("stream", i);
                out.println(node);
            } else {
                out.println("[stream " + i + "] " + prompt + result.text());
                err.println("[stream " + i + "] " + summary(result));
                if (result.failure().isPresent()) {
                    err.println("[stream " + i + "] failed: " + result.failure().get().getMessage());
                }
            }
        }
        String aggregate = String.format(Locale.ROOT, "%d streams, %d tokens in %.2f s: %.1f tok/s in all",
                n, total, seconds, total / seconds);
        if (cli.json()) {
            ObjectNode node = JSON.createObjectNode();
            node.put("streams", n);
            node.put("generated_tokens", total);
            node.put("seconds", seconds);
            node.put("tokens_per_second", total / seconds);
            out.println(node);
        } else {
            err.println(aggregate);
        }
        return failed ? 1 : 0;
    }

    /** The sampler chain of the flags, behind a grammar when one was given. */
    private static Sampler sampler(CliArguments cli, Model model) throws IOException {
        if (cli.grammar() != null) {
            return Grammar.compile(model, Files.readString(cli.grammar())).then(cli.chain());
        }
        if (cli.jsonSchema() != null) {
            return Grammar.fromJsonSchema(model, Files.readString(cli.jsonSchema())).then(cli.chain());
        }
        return cli.chain();
    }

    static String tokenJson(StreamToken token) {
        return tokenNode(token).toString();
    }

    private static ObjectNode tokenNode(StreamToken token) {
        ObjectNode node = JSON.createObjectNode();
        node.put("index", token.index());
        node.put("id", token.tokenId());
        node.put("text", token.text());
        node.put("probability", token.probability());
        node.put("logit", token.logit());
        node.put("eos", token.endOfSequence());
        return node;
    }

    static String resultJson(GenerationResult result) {
        return resultNode(result).toString();
    }

    private static ObjectNode resultNode(GenerationResult result) {
        ObjectNode node = JSON.createObjectNode();
        node.put("finish_reason", result.finishReason().name());
        node.put("prompt_tokens", result.promptTokens());
        node.put("generated_tokens", result.generatedTokens());
        node.put("seed", result.seed());
        node.put("time_to_first_token_ms", result.timings().timeToFirstToken().toNanos() / 1e6);
        node.put("prompt_ms", result.timings().promptEvaluation().toNanos() / 1e6);
        node.put("generation_ms", result.timings().generation().toNanos() / 1e6);
        node.put("prompt_tokens_per_second", result.timings().promptTokensPerSecond());
        node.put("generated_tokens_per_second", result.timings().generatedTokensPerSecond());
        node.put("text", result.text());
        return node;
    }

    static String summary(GenerationResult result) {
        var t = result.timings();
        return String.format(Locale.ROOT,
                "[%s · prompt %d tokens at %.1f tok/s · %d tokens at %.1f tok/s · first token after %.1f ms · seed %d]",
                result.finishReason(), result.promptTokens(), t.promptTokensPerSecond(), result.generatedTokens(),
                t.generatedTokensPerSecond(), t.timeToFirstToken().toNanos() / 1e6, result.seed());
    }

    private static void configureLogging(boolean verbose) {
        // slf4j-simple reads these once, when the first logger is created.
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "debug" : "warn");
        System.setProperty("org.slf4j.simpleLogger.log.dev.rill.llama", verbose ? "debug" : "error");
    }

    static void deleteQuietly(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // a temporary file left behind is harmless
                }
            });
        } catch (IOException ignored) {
            // same
        }
    }
}
