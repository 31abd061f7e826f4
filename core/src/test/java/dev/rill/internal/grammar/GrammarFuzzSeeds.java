package dev.rill.internal.grammar;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the seed corpora of {@link GrammarFuzzTest}: the grammars of {@link GbnfCorpus#CASES} and its schemas
 * {@link GbnfCorpus#SCHEMAS}, one file each. Run from the repository root after
 * {@code ./build -pl core -am test-compile}:
 *
 * <pre>{@code
 * java -cp core/target/test-classes:core/target/classes:$HOME/.m2/repository/... \
 *     dev.rill.internal.grammar.GrammarFuzzSeeds core/src/test/resources/dev/rill/internal/grammar/GrammarFuzzTestInputs
 * }</pre>
 *
 * (it needs only this class and {@link GbnfCorpus} on the class path).
 */
public final class GrammarFuzzSeeds {
    private GrammarFuzzSeeds() {
    }

    public static void main(String[] args) throws IOException {
        Path inputs = Path.of(args[0]);
        Path grammars = Files.createDirectories(inputs.resolve("gbnfValidator"));
        for (GbnfCorpus.Case c : GbnfCorpus.CASES) {
            String file = c.name().replaceAll("[^a-zA-Z0-9]+", "-").replaceAll("^-|-$", "");
            Files.writeString(grammars.resolve(file), c.gbnf(), StandardCharsets.UTF_8);
        }
        Path schemas = Files.createDirectories(inputs.resolve("jsonSchemaGbnf"));
        for (int i = 0; i < GbnfCorpus.SCHEMAS.size(); i++) {
            Files.writeString(schemas.resolve("schema-" + i), GbnfCorpus.SCHEMAS.get(i), StandardCharsets.UTF_8);
        }
    }
}
