package dev.rill.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rill.EmbeddingOptions;
import dev.rill.Model;
import dev.rill.ModelOptions;
import dev.rill.RankedDocument;
import dev.rill.Reranker;
import dev.rill.RillException;
import dev.rill.llama.LlamaProfile;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code rill rerank}: scores each document against a query with a reranker model and prints them most relevant
 * first, one line each ({@code score<TAB>index<TAB>document}), or one JSON object per document.
 */
final class RerankCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    static final String USAGE = """
            Usage: rill rerank --model PATH --query TEXT [options] DOCUMENT...
            Prints each DOCUMENT with its score, most relevant first: score, index and text, separated by tabs.

              -m, --model PATH        GGUF reranker to load (rank pooling and a classification head)
              -q, --query TEXT        the query the documents are scored against
                  --batch-size N      most tokens in one evaluation, and so the longest pair (default 512)
                  --truncate          cut the end of a longer document instead of failing
                  --in-order          print in the documents' order instead of by score
              -t, --threads N         CPU threads (default: available processors)
                  --llama current|b4916  which llama.cpp release to load (b4916 cannot rerank)
                  --library PATH      a llama.cpp shared library to load instead
                  --json              one JSON object per document: {"index", "document", "score"}
              -h, --help              this text
            """;

    /** The parsed command line of {@code rill rerank}. */
    record Arguments(Path model, String query, List<String> documents, int batchSize, boolean truncate,
                     boolean inOrder, int threads, LlamaProfile llama, Path library, boolean json, boolean help) {
    }

    private RerankCommand() {
    }

    static Arguments parse(String... args) throws CliArguments.UsageException {
        Path model = null;
        String query = null;
        List<String> documents = new ArrayList<>();
        int batchSize = 0;
        boolean truncate = false;
        boolean inOrder = false;
        int threads = 0;
        LlamaProfile llama = null;
        Path library = null;
        boolean json = false;
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "-m", "--model" -> model = Path.of(CliArguments.value(args, ++i, arg));
                case "-q", "--query" -> query = CliArguments.value(args, ++i, arg);
                case "--batch-size" -> batchSize = CliArguments.integer(args, ++i, arg, 1, 1 << 16);
                case "--truncate" -> truncate = true;
                case "--in-order" -> inOrder = true;
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
                    documents.addAll(List.of(args).subList(i + 1, args.length));
                    i = args.length;
                }
                default -> {
                    if (arg.startsWith("-") && arg.length() > 1) {
                        throw new CliArguments.UsageException("unknown option: " + arg
                                + " (a document that starts with '-' goes after --)");
                    }
                    documents.add(arg);
                }
            }
        }
        if (!help) {
            if (model == null) {
                throw new CliArguments.UsageException("rerank needs --model");
            }
            if (query == null) {
                throw new CliArguments.UsageException("rerank needs --query");
            }
            if (documents.isEmpty()) {
                throw new CliArguments.UsageException("rerank needs at least one DOCUMENT");
            }
        }
        return new Arguments(model, query, List.copyOf(documents), batchSize, truncate, inOrder, threads, llama,
                library, json, help);
    }

    /** Runs {@code rill rerank ARGS}: 0 done, 1 failed, 2 bad arguments. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        Arguments cli;
        try {
            cli = parse(args);
        } catch (CliArguments.UsageException e) {
            err.println("rill rerank: " + e.getMessage());
            err.println();
            err.print(USAGE);
            return 2;
        }
        if (cli.help()) {
            out.print(USAGE);
            return 0;
        }
        ModelOptions.Builder options = EmbedCommand.modelOptions(cli.threads(), cli.llama(), cli.library());
        EmbeddingOptions.Builder rerank = EmbeddingOptions.builder().truncate(cli.truncate());
        if (cli.batchSize() > 0) {
            rerank.batchSize(cli.batchSize());
        }
        try (Model model = Model.load(cli.model(), options.build());
             Reranker reranker = model.reranker(rerank.build())) {
            List<RankedDocument> ranked = cli.inOrder()
                    ? inOrder(cli.documents(), reranker.score(cli.query(), cli.documents()))
                    : reranker.rank(cli.query(), cli.documents());
            for (RankedDocument document : ranked) {
                if (cli.json()) {
                    ObjectNode line = JSON.createObjectNode();
                    line.put("index", document.index());
                    line.put("document", document.document());
                    line.put("score", document.score());
                    out.println(line);
                } else {
                    out.println(document.score() + "\t" + document.index() + "\t" + document.document());
                }
            }
            out.flush();
            return 0;
        } catch (RillException | IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
            err.println("rill rerank: " + e.getMessage());
            return 1;
        }
    }

    private static List<RankedDocument> inOrder(List<String> documents, float[] scores) {
        List<RankedDocument> result = new ArrayList<>(scores.length);
        for (int i = 0; i < scores.length; i++) {
            result.add(new RankedDocument(i, documents.get(i), scores[i]));
        }
        return result;
    }
}
