package dev.rill.examples;

import dev.rill.Model;
import dev.rill.ModelOptions;
import dev.rill.RillException;
import dev.rill.llama.LlamaProfile;
import dev.rill.server.RillServer;
import dev.rill.testkit.TestModels;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code rill serve}: an OpenAI-compatible HTTP server for a model ({@link RillServer}), until the process is
 * stopped (Ctrl-C), which shuts it down gracefully. Without {@code --model} it serves the rigged plus-one model,
 * with the plus-two adapter registered as {@code plus-two}.
 */
final class ServeCommand {
    static final String USAGE = """
            Usage: rill serve [--model PATH] [options]
            Serves a GGUF model over the OpenAI API (docs/server.md): /v1/chat/completions, /v1/completions,
            /v1/embeddings, /v1/models, /v1/adapters, /health, /metrics. With no --model, serves a small rigged
            model whose greedy output is known (each byte is followed by the next one) and its plus-two adapter.

              -m, --model PATH        GGUF model to load
                  --port N            port to listen on (default 8080; 0 picks a free one)
                  --host ADDRESS      address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
                  --parallel N        sequences generated together (default 4); more requests wait in a queue
                  --queue N           requests that may wait for a sequence (default 64); more get 429
              -c, --ctx-size N        context cells in all, shared by the sequences (default: 4096 or more)
                  --lora-manifest FILE  serve the adapters of a JSON manifest (docs/adapters.md)
                  --api-key KEY       require 'Authorization: Bearer KEY' on every route but /health
                  --model-id ID       the name clients use for the model (default: the file name)
                  --max-body BYTES    largest request body (default 8388608)
              -t, --threads N         CPU threads (default: available processors)
                  --gpu-layers N      layers to offload to the GPU (needs a GPU build, see --library)
                  --llama current|b4916  which llama.cpp release to load
                  --library PATH      a llama.cpp shared library to load instead
              -h, --help              this text
            """;

    /** The parsed command line of {@code rill serve}. */
    record Arguments(Path model, int port, String host, int parallel, int queue, int contextSize, Path loraManifest,
                     String apiKey, String modelId, long maxBody, int threads, int gpuLayers, LlamaProfile llama,
                     Path library, boolean help) {
    }

    private ServeCommand() {
    }

    static Arguments parse(String... args) throws CliArguments.UsageException {
        Path model = null;
        int port = 8080;
        String host = "127.0.0.1";
        int parallel = 4;
        int queue = 64;
        int contextSize = 0;
        Path manifest = null;
        String apiKey = null;
        String modelId = null;
        long maxBody = 8L << 20;
        int threads = 0;
        int gpuLayers = 0;
        LlamaProfile llama = null;
        Path library = null;
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            switch (flag) {
                case "-m", "--model" -> model = Path.of(value(args, ++i, flag));
                case "--port" -> port = integer(args, ++i, flag, 0, 65535);
                case "--host" -> host = value(args, ++i, flag);
                case "--parallel", "-np" -> parallel = integer(args, ++i, flag, 1, ModelOptions.MAX_PARALLEL_SEQUENCES);
                case "--queue" -> queue = integer(args, ++i, flag, 0, 1 << 20);
                case "-c", "--ctx-size" -> contextSize = integer(args, ++i, flag, 16, 1 << 24);
                case "--lora-manifest" -> manifest = Path.of(value(args, ++i, flag));
                case "--api-key" -> apiKey = value(args, ++i, flag);
                case "--model-id" -> modelId = value(args, ++i, flag);
                case "--max-body" -> maxBody = integer(args, ++i, flag, 1, Integer.MAX_VALUE);
                case "-t", "--threads" -> threads = integer(args, ++i, flag, 1, 1024);
                case "--gpu-layers", "-ngl" -> gpuLayers = integer(args, ++i, flag, 0, Integer.MAX_VALUE);
                case "--llama" -> {
                    try {
                        llama = LlamaProfile.fromLabel(value(args, ++i, flag));
                    } catch (IllegalArgumentException e) {
                        throw new CliArguments.UsageException("--llama: " + e.getMessage());
                    }
                }
                case "--library" -> library = Path.of(value(args, ++i, flag));
                case "-h", "--help" -> help = true;
                default -> throw new CliArguments.UsageException("serve: unknown option: " + flag);
            }
        }
        if (apiKey != null && apiKey.isBlank()) {
            throw new CliArguments.UsageException("--api-key must not be blank");
        }
        if (host.isBlank()) {
            throw new CliArguments.UsageException("--host must not be blank");
        }
        return new Arguments(model, port, host, parallel, queue, contextSize, manifest, apiKey, modelId, maxBody,
                threads, gpuLayers, llama, library, help);
    }

    /** A started server with what it runs on; closing it stops the server, then frees the model. */
    record Running(RillServer server, Model model, Path temporary) implements AutoCloseable {
        @Override
        public void close() {
            try {
                server.close();
            } finally {
                model.close();
                if (temporary != null) {
                    RillCli.deleteQuietly(temporary);
                }
            }
        }
    }

    /** Runs {@code rill serve} until the process is stopped; returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        Arguments arguments;
        try {
            arguments = parse(args);
        } catch (CliArguments.UsageException e) {
            err.println("rill: " + e.getMessage());
            err.println();
            err.print(USAGE);
            return 2;
        }
        if (arguments.help()) {
            out.print(USAGE);
            return 0;
        }
        Running running;
        try {
            running = start(arguments, out, err);
        } catch (RillException | IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
            err.println("rill: " + e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            // Binding the port fails with Reactor Netty's own exceptions.
            err.println("rill: cannot serve on " + arguments.host() + ":" + arguments.port() + ": " + e.getMessage());
            return 1;
        }
        Thread hook = new Thread(running::close, "rill-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            running.server().awaitClose();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** Loads the model and starts the server, printing where it listens. */
    static Running start(Arguments arguments, PrintStream out, PrintStream err) {
        Path temporary = null;
        Path modelPath = arguments.model();
        Path adapter = null;
        try {
            if (modelPath == null) {
                temporary = Files.createTempDirectory("rill-serve-");
                modelPath = temporary.resolve("rigged-plus-one.gguf");
                TestModels.plusOne().write(modelPath);
                adapter = temporary.resolve("plus-two.gguf");
                TestModels.plusTwoAdapter().write(adapter);
                err.println("No --model given: serving a rigged model whose greedy output is known (each byte is "
                        + "followed by the next one), with the adapter plus-two (each byte by the one after next)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the rigged model: " + e.getMessage(), e);
        }
        ModelOptions.Builder options = ModelOptions.builder().parallelSequences(arguments.parallel())
                .queueCapacity(arguments.queue());
        options.contextSize(arguments.contextSize() > 0 ? arguments.contextSize()
                : Math.max(4096, 1024 * arguments.parallel()));
        if (arguments.threads() > 0) {
            options.threads(arguments.threads());
        }
        if (arguments.gpuLayers() > 0) {
            options.gpuLayers(arguments.gpuLayers());
        }
        if (arguments.llama() != null) {
            options.llamaProfile(arguments.llama());
        }
        if (arguments.library() != null) {
            options.libraryPath(arguments.library());
        }
        Model model;
        try {
            model = Model.load(modelPath, options.build());
        } catch (RuntimeException e) {
            if (temporary != null) {
                RillCli.deleteQuietly(temporary);
            }
            throw e;
        }
        try {
            RillServer.Builder builder = RillServer.builder(model).host(arguments.host()).port(arguments.port())
                    .maxBodyBytes(arguments.maxBody());
            if (arguments.apiKey() != null) {
                builder.apiKey(arguments.apiKey());
            }
            if (arguments.modelId() != null) {
                builder.modelId(arguments.modelId());
            }
            if (arguments.loraManifest() != null) {
                builder.adapterManifest(arguments.loraManifest());
            }
            RillServer server = builder.start();
            if (adapter != null) {
                server.adapters().register("plus-two", adapter);
            }
            Running running = new Running(server, model, temporary);
            out.println("Serving " + server.modelId() + " on " + server.uri() + "/v1 (" + arguments.parallel()
                    + " parallel sequences" + (server.adapters().names().isEmpty() ? ""
                    : "; adapters: " + String.join(", ", server.adapters().names())) + "). Ctrl-C stops it.");
            out.println("Try: curl " + server.uri() + "/v1/chat/completions -H 'Content-Type: application/json'"
                    + (arguments.apiKey() != null ? " -H 'Authorization: Bearer <key>'" : "")
                    + " -d '{\"model\": \"" + server.modelId() + "\", \"messages\": [{\"role\": \"user\", "
                    + "\"content\": \"Hi\"}], \"max_tokens\": 16, \"stream\": true}'");
            out.flush();
            return running;
        } catch (RuntimeException e) {
            model.close();
            if (temporary != null) {
                RillCli.deleteQuietly(temporary);
            }
            throw e;
        }
    }

    private static String value(String[] args, int i, String flag) throws CliArguments.UsageException {
        if (i >= args.length) {
            throw new CliArguments.UsageException(flag + " needs a value");
        }
        return args[i];
    }

    private static int integer(String[] args, int i, String flag, int min, int max)
            throws CliArguments.UsageException {
        String text = value(args, i, flag);
        int n;
        try {
            n = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new CliArguments.UsageException(flag + " needs a whole number, got \"" + text + "\"");
        }
        if (n < min || n > max) {
            throw new CliArguments.UsageException(flag + " must be in [" + min + ", " + max + "], got " + n);
        }
        return n;
    }
}
