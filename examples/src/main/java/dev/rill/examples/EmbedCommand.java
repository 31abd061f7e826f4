package dev.rill.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rill.Embedder;
import dev.rill.EmbeddingOptions;
import dev.rill.Model;
import dev.rill.ModelOptions;
import dev.rill.Pooling;
import dev.rill.RillException;
import dev.rill.llama.LlamaProfile;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code rill embed}: prints the embedding of each text, one line of numbers per text (one per token with
 * {@code --pooling none}), or one JSON object per text.
 */
final class EmbedCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    static final String USAGE = """
            Usage: rill embed --model PATH [options] TEXT...
            Prints one vector per TEXT: its numbers on one line, separated by spaces.

              -m, --model PATH        GGUF model to load (an embedding model, or any generation model)
                  --pooling P         mean, cls, last or none (default: the model's, else mean); none prints
                                      one line per token and an empty line after each text
                  --normalize         scale each vector to unit length
                  --batch-size N      most tokens in one evaluation, and so the longest text (default 512)
                  --truncate          cut longer texts to --batch-size tokens instead of failing
              -t, --threads N         CPU threads (default: available processors)
                  --llama current|b4916  which llama.cpp release to load
                  --library PATH      a llama.cpp shared library to load instead
                  --json              one JSON object per text: {"index", "text", "embedding"} ("tokens" for none)
              -h, --help              this text
            """;

    /** The parsed command line of {@code rill embed}. */
    record Arguments(Path model, List<String> texts, Pooling pooling, boolean normalize, int batchSize,
                     boolean truncate, int threads, LlamaProfile llama, Path library, boolean json, boolean help) {
    }

    private EmbedCommand() {
    }

    static Arguments parse(String... args) throws CliArguments.UsageException {
        Path model = null;
        List<String> texts = new ArrayList<>();
        Pooling pooling = null;
        boolean normalize = false;
        int batchSize = 0;
        boolean truncate = false;
        int threads = 0;
        LlamaProfile llama = null;
        Path library = null;
        boolean json = false;
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "-m", "--model" -> model = Path.of(CliArguments.value(args, ++i, arg));
                case "--pooling" -> {
                    String name = CliArguments.value(args, ++i, arg);
                    try {
                        pooling = Pooling.valueOf(name.toUpperCase(Locale.ROOT));
                    } catch (IllegalArgumentException e) {
                        throw new CliArguments.UsageException("--pooling must be mean, cls, last or none, got \"" + name + "\"");
                    }
                }
                case "--normalize" -> normalize = true;
                case "--batch-size" -> batchSize = CliArguments.integer(args, ++i, arg, 1, 1 << 16);
                case "--truncate" -> truncate = true;
                case "-t", "--threads" -> threads = CliArguments.integer(args, ++i, arg, 1, 1024);
                case "--llama" -> {
                    try {
                        llama = LlamaProfile.fromLabel(CliArguments.value(args, ++i, arg));
                    } catch (IllegalArgumentException e) {
                        throw new CliArguments.UsageException("--llama: " + e.getMessage());
                    }
                }
                case "--library" -> library = Path.of(CliArguments.value(args, ++i, arg));
                case "--json" -> json = true;
                case "-h", "--help" -> help = true;
                case "--" -> {
                    texts.addAll(List.of(args).subList(i + 1, args.length));
                    i = args.length;
                }
                default -> {
                    if (arg.startsWith("-") && arg.length() > 1) {
                        throw new CliArguments.UsageException("unknown option: " + arg + " (a text that starts with '-' goes after --)");
                    }
                    texts.add(arg);
                }
            }
        }
        if (!help) {
            if (model == null) {
                throw new CliArguments.UsageException("embed needs --model");
            }
            if (texts.isEmpty()) {
                throw new CliArguments.UsageException("embed needs at least one TEXT");
            }
        }
        return new Arguments(model, List.copyOf(texts), pooling, normalize, batchSize, truncate, threads, llama,
                library, json, help);
    }

    /** Runs {@code rill embed ARGS}: 0 done, 1 failed, 2 bad arguments. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        Arguments cli;
        try {
            cli = parse(args);
        } catch (CliArguments.UsageException e) {
            err.println("rill embed: " + e.getMessage());
            err.println();
            err.print(USAGE);
            return 2;
        }
        if (cli.help()) {
            out.print(USAGE);
            return 0;
        }
        ModelOptions.Builder options = modelOptions(cli.threads(), cli.llama(), cli.library());
        EmbeddingOptions.Builder embedding = EmbeddingOptions.builder().normalize(cli.normalize()).truncate(cli.truncate());
        if (cli.pooling() != null) {
            embedding.pooling(cli.pooling());
        }
        if (cli.batchSize() > 0) {
            embedding.batchSize(cli.batchSize());
        }
        try (Model model = Model.load(cli.model(), options.build());
             Embedder embedder = model.embedder(embedding.build())) {
            if (embedder.pooling() == Pooling.NONE) {
                List<float[][]> perText = embedder.embedTokens(cli.texts());
                for (int t = 0; t < perText.size(); t++) {
                    if (cli.json()) {
                        ObjectNode line = line(t, cli.texts().get(t));
                        ArrayNode rows = line.putArray("tokens");
                        for (float[] row : perText.get(t)) {
                            array(rows.addArray(), row);
                        }
                        out.println(line);
                    } else {
                        for (float[] row : perText.get(t)) {
                            out.println(text(row));
                        }
                        out.println();
                    }
                }
            } else {
                float[][] vectors = embedder.embed(cli.texts());
                for (int t = 0; t < vectors.length; t++) {
                    if (cli.json()) {
                        ObjectNode line = line(t, cli.texts().get(t));
                        line.put("pooling", embedder.pooling().name().toLowerCase(Locale.ROOT));
                        array(line.putArray("embedding"), vectors[t]);
                        out.println(line);
                    } else {
                        out.println(text(vectors[t]));
                    }
                }
            }
            out.flush();
            return 0;
        } catch (RillException | IllegalArgumentException | IllegalStateException e) {
            err.println("rill embed: " + e.getMessage());
            return 1;
        }
    }

    /**
     * The model options of the subcommands that load a model for a context of their own (embed, rerank): a small
     * generation context, and the threads, release and library asked for (0 and null: the defaults).
     */
    static ModelOptions.Builder modelOptions(int threads, LlamaProfile llama, Path library) {
        ModelOptions.Builder options = ModelOptions.builder().contextSize(256);
        if (threads > 0) {
            options.threads(threads);
        }
        if (llama != null) {
            options.llamaProfile(llama);
        }
        if (library != null) {
            options.libraryPath(library);
        }
        return options;
    }

    private static ObjectNode line(int index, String text) {
        ObjectNode line = JSON.createObjectNode();
        line.put("index", index);
        line.put("text", text);
        return line;
    }

    private static void array(ArrayNode target, float[] vector) {
        for (float v : vector) {
            target.add(v);
        }
    }

    private static String text(float[] vector) {
        StringBuilder line = new StringBuilder(vector.length * 12);
        for (int i = 0; i < vector.length; i++) {
            if (i > 0) {
                line.append(' ');
            }
            line.append(vector[i]);
        }
        return line.toString();
    }
}
