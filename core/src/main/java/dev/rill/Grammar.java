package dev.rill;

import dev.rill.internal.grammar.GbnfValidator;
import dev.rill.internal.grammar.JsonSchemaGbnf;
import dev.rill.internal.llama.LlamaGrammarHandle;
import dev.rill.internal.llama.LlamaModelHandle;
import dev.rill.sampling.Logits;
import dev.rill.sampling.Sampler;
import dev.rill.sampling.SequenceSampler;
import dev.rill.sampling.TokenChoice;
import java.util.Objects;

/**
 * Constrained output: a GBNF grammar (llama.cpp's grammar format, with a rule named {@code root}) bound to one
 * model's vocabulary, in front of a Java {@link Sampler}. At every step llama.cpp's grammar sampler sets the logit
 * of every token the grammar does not allow next to negative infinity, then the Java sampler chooses among the
 * rest; the chosen token advances the grammar. End-of-generation tokens are allowed only where the grammar may
 * end.
 *
 * <pre>{@code
 * Grammar yesNo = Grammar.compile(model, "root ::= \"yes\" | \"no\"")
 *         .then(Sampler.chain().topK(40).temperature(0.8).build());
 * model.generate(GenerationRequest.builder("Answer: ").sampler(yesNo).build(), callback);
 * }</pre>
 *
 * <p>A grammar is immutable and shareable. Each sequence gets its own native grammar state, created in
 * {@link #newSequence} and freed when the sequence ends; masking costs one pass of llama.cpp over the whole
 * vocabulary per token, far more than the Java chain.
 *
 * <p>A grammar belongs to the model it was compiled for: {@link Model#submit} refuses a request whose sampler is
 * a grammar of another model (or has one in its {@link #then}). Its native state points into that model's
 * vocabulary, so once that model is closed a sequence still using it (say, through a sampler of your own that
 * wraps it) ends with {@link FinishReason#ERROR}; closing the model frees the states left.
 *
 * <p>{@link #compile} checks the grammar in Java first and throws {@link InvalidGrammarException} (with line,
 * column and reason) for any grammar llama.cpp could not use; {@link #fromJsonSchema} builds the grammar from a
 * JSON schema.
 */
public final class Grammar implements Sampler {
    private final Model model;
    private final String gbnf;
    private final Sampler then;

    private Grammar(Model model, String gbnf, Sampler then) {
        this.model = model;
        this.gbnf = gbnf;
        this.then = then;
    }

    /**
     * Checks {@code gbnf} and binds it to {@code model}'s vocabulary; the tokens it allows are then chosen
     * greedily (see {@link #then}). The check accepts exactly the grammars llama.cpp b4916 accepts, and also
     * refuses the few that llama.cpp accepts and then crashes on (left recursion through a rule that matches the
     * empty string only indirectly, repetition bounds over 10,000); see {@link InvalidGrammarException}.
     *
     * @throws InvalidGrammarException when the grammar is not one llama.cpp can use: a syntax error, a reference
     *     to an undefined rule, no rule named {@code root}, left recursion; the message gives the line and column,
     *     the reason and the text found there
     * @throws IllegalStateException when the model is closed
     */
    public static Grammar compile(Model model, String gbnf) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(gbnf, "gbnf");
        GbnfValidator.validate(gbnf);
        LlamaModelHandle handle = model.handle();
        if (handle.isClosed()) {
            throw new IllegalStateException("the model " + handle.path() + " is closed");
        }
        return new Grammar(model, gbnf, Sampler.greedy());
    }

    /**
     * A grammar for the JSON values {@code schemaJson} describes, in compact form: {@link #compile} of
     * {@link #jsonSchemaToGbnf(String)}. Output is compact JSON (nothing or one space after each value and
     * punctuation mark), properties in the schema's order.
     *
     * @throws IllegalArgumentException when the schema is not JSON or uses a keyword or form that is not
     *     supported (the message names it with a JSON pointer such as {@code #/properties/age})
     * @throws IllegalStateException when the model is closed
     */
    public static Grammar fromJsonSchema(Model model, String schemaJson) {
        return fromJsonSchema(model, schemaJson, JsonWhitespace.COMPACT);
    }

    /**
     * As {@link #fromJsonSchema(Model, String)}, with the whitespace {@code whitespace} allows.
     *
     * @throws IllegalArgumentException when the schema is not JSON or is not supported
     * @throws IllegalStateException when the model is closed
     */
    public static Grammar fromJsonSchema(Model model, String schemaJson, JsonWhitespace whitespace) {
        Objects.requireNonNull(model, "model");
        return compile(model, jsonSchemaToGbnf(schemaJson, whitespace));
    }

    /** How much whitespace a grammar made from a JSON schema lets the model write. */
    public enum JsonWhitespace {
        /** Nothing or one space after each value and punctuation mark; the default. */
        COMPACT,
        /**
         * Also one or two line breaks followed by up to 20 spaces or tabs, as llama.cpp's converter allows: room
         * for indented output, and for a weak model to spend most of its tokens on whitespace.
         */
        INDENTED
    }

    /**
     * The GBNF grammar (start rule {@code root}) that {@link #fromJsonSchema} uses for {@code schemaJson}, to
     * inspect it or to extend it. Supported: {@code type} (one name or a list), {@code properties},
     * {@code required}, {@code additionalProperties} (false, or true or a schema without {@code properties}),
     * {@code items} (one schema), {@code minItems}, {@code maxItems}, {@code enum}, {@code const},
     * {@code minLength}, {@code maxLength}, {@code anyOf}, {@code oneOf} (read as {@code anyOf}), local
     * {@code $ref} ({@code #/$defs/name}, {@code #/definitions/name}, {@code #}) and annotations such as
     * {@code title} and {@code description}. As in llama.cpp, an object allows only the properties it lists when
     * {@code additionalProperties} is absent, in the order it lists them. Any other keyword is refused rather
     * than ignored. The output is compact ({@link JsonWhitespace#COMPACT}).
     *
     * @throws IllegalArgumentException when the schema is not JSON or is not supported
     */
    public static String jsonSchemaToGbnf(String schemaJson) {
        return jsonSchemaToGbnf(schemaJson, JsonWhitespace.COMPACT);
    }

    /**
     * As {@link #jsonSchemaToGbnf(String)}, with the whitespace {@code whitespace} allows.
     *
     * @throws IllegalArgumentException when the schema is not JSON or is not supported
     */
    public static String jsonSchemaToGbnf(String schemaJson, JsonWhitespace whitespace) {
        Objects.requireNonNull(schemaJson, "schemaJson");
        Objects.requireNonNull(whitespace, "whitespace");
        return JsonSchemaGbnf.convert(schemaJson, whitespace == JsonWhitespace.COMPACT);
    }

    /** This grammar in front of {@code sampler}, which chooses among the tokens the grammar allows. */
    public Grammar then(Sampler sampler) {
        return new Grammar(model, gbnf, Objects.requireNonNull(sampler, "sampler"));
    }

    /** The grammar's text. */
    public String gbnf() {
        return gbnf;
    }

    /** The sampler that chooses among the allowed tokens. */
    public Sampler sampler() {
        return then;
    }

    /**
     * Throws when this grammar, or one it hands its choices to, was compiled for another model than
     * {@code target}: its native state would point into the other model's vocabulary.
     */
    void checkModel(Model target) {
        if (model != target) {
            throw new IllegalArgumentException("the grammar was compiled for another model (" + model.info().path()
                    + "), not " + target.info().path() + "; compile it with Grammar.compile(model, gbnf) for each model");
        }
        if (then instanceof Grammar next) {
            next.checkModel(target);
        }
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalStateException when the model is closed
     */
    @Override
    public SequenceSampler newSequence(long seed) {
        LlamaModelHandle handle = model.handle();
        SequenceSampler inner = then.newSequence(seed);
        try {
            LlamaGrammarHandle grammar = LlamaGrammarHandle.create(handle, gbnf);
            try {
                return new Constrained(grammar, inner);
            } catch (RuntimeException | Error e) {
                grammar.close();
                throw e;
            }
        } catch (RuntimeException | Error e) {
            inner.close();
            throw e;
        }
    }

    @Override
    public String toString() {
        return "Grammar[" + gbnf.length() + " chars, then " + then + "]";
    }

    /**
     * A grammar that llama.cpp cannot use. {@link #getMessage()} reads {@code line 3, column 14: <reason>; found
     * '<text there>'}; {@link #line()} and {@link #column()} count from 1 (columns in code points) and are both 0
     * when the problem is the grammar as a whole (nothing but whitespace, no rule named {@code root}).
     */
    public static final class InvalidGrammarException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final String reason;
        private final int line;
        private final int column;

        /** With the full message, the bare reason and the position (0, 0 for the grammar as a whole). */
        public InvalidGrammarException(String message, String reason, int line, int column) {
            super(message);
            this.reason = reason;
            this.line = line;
            this.column = column;
        }

        /** What is wrong, without the position and the text found there. */
        public String reason() {
            return reason;
        }

        /** The line of the problem, from 1; 0 for the grammar as a whole. */
        public int line() {
            return line;
        }

        /** The column of the problem, from 1, in code points; 0 for the grammar as a whole. */
        public int column() {
            return column;
        }
    }

    /** One sequence: its native grammar state (which masks the logits) and the Java sampler's state. */
    private static final class Constrained implements SequenceSampler {
        private final SequenceSampler inner;
        private LlamaGrammarHandle grammar;

        Constrained(LlamaGrammarHandle grammar, SequenceSampler inner) {
            this.grammar = grammar;
            this.inner = inner;
        }

        @Override
        public TokenChoice choose(Logits logits) {
            if (grammar == null) {
                throw new IllegalStateException("the grammar of this sequence was closed");
            }
            if (grammar.mask(logits.array(), logits.size()) == 0) {
                throw new IllegalStateException("the grammar allows no token here");
            }
            TokenChoice choice = inner.choose(logits);
            if (!grammar.allows(choice.token())) {
                throw new IllegalStateException("the sampler chose token " + choice.token()
                        + ", which the grammar does not allow here");
            }
            return choice;
        }

        @Override
        public void accept(int token) {
            // llama.cpp ends the process when a grammar is fed a token it does not allow: check first.
            if (grammar == null || !grammar.allows(token)) {
                throw new IllegalStateException("token " + token + " is not one the grammar allowed at the last step");
            }
            grammar.accept(token);
            inner.accept(token);
        }

        @Override
        public void close() {
            if (grammar != null) {
                grammar.close();
                grammar = null;
                inner.close();
            }
        }
    }
}
