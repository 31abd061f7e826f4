package dev.rill.internal.llama;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.rill.llama.LlamaProfile;
import dev.rill.internal.gguf.GgufHeader;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Owns one {@code llama_model} (and its vocabulary): loads it, answers questions about it, tokenizes, renders
 * chat templates, and frees it exactly once.
 *
 * <p>Thread-safe: llama.cpp's model and vocabulary functions are read-only. Every call holds a read lock and
 * {@link #close()} takes the write lock, so the model is never freed under a running call; a call after close
 * throws {@link IllegalStateException}. Free order: every context on this model must be freed first; the adapters
 * and grammars still open are freed with it.
 */
public final class LlamaModelHandle implements AutoCloseable {
    private static final byte[] GGUF_MAGIC = {'G', 'G', 'U', 'F'};

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Path path;
    private MemorySegment model;
    private final MemorySegment vocab;
    private final int vocabSize;
    private final int bos;
    private final int embeddingSize;
    private final boolean encoderOnly;
    private final java.util.Set<LlamaAdapterHandle> adapters = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.Set<LlamaGrammarHandle> grammars = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final GgufHeader header;

    private LlamaModelHandle(Path path, MemorySegment model, GgufHeader header) {
        this.path = path;
        this.header = header;
        this.model = model;
        this.vocab = Llama.modelGetVocab(model);
        this.vocabSize = Llama.vocabNTokens(vocab);
        this.bos = Llama.vocabBos(vocab);
        this.embeddingSize = Llama.modelNEmbd(model);
        this.encoderOnly = Llama.modelHasEncoder(model) && !Llama.modelHasDecoder(model);
    }

    /** Whether {@code token} is the model's BOS token. */
    public boolean isBos(int token) {
        return token >= 0 && token == bos;
    }

    /**
     * How a model is loaded.
     *
     * @param libraryPath a llama.cpp library to use, or null for the locator's order
     * @param profile the llama.cpp release asked for, or null for the setting or default
     * @param gpuLayers layers to offload
     * @param mmap map the file
     * @param mlock lock the weights in memory
     */
    public record Config(Path libraryPath, LlamaProfile profile, int gpuLayers, boolean mmap, boolean mlock) {
    }

    /**
     * Loads the model at {@code path}. Checks in Java what it can (the file exists, is readable, starts with
     * the GGUF magic) and reports llama.cpp's own reason for anything else.
     */
    public static LlamaModelHandle load(Path path, Config config) {
        return load(path, config, true);
    }

    /**
     * Loads the model at {@code path}; without {@code valueChecks}, {@link ModelCheck}'s refusals of the values
     * llama.cpp is known to end the process on are skipped (the child process of {@link ModelProbeChild} does so
     * to show that such a crash is observed, never the caller's JVM).
     */
    static LlamaModelHandle load(Path path, Config config, boolean valueChecks) {
        GgufHeader header = checkFile(path, valueChecks);
        LlamaRuntime.initialize(config.libraryPath(), config.profile());
        ProfileBinding binding = LlamaRuntime.binding();
        if (valueChecks) {
            ModelCheck.checkFor(binding.profile(), header);
        }
        try (Arena arena = Arena.ofConfined()) {
            NativeLog.clearRecent();
            MemorySegment model = binding.loadModel(arena, arena.allocateFrom(path.toString()), config);
            if (model.equals(MemorySegment.NULL)) {
                String message = NativeLog.withRecent("llama.cpp could not load the model " + path);
                if (binding.profile() == LlamaProfile.B4916
                        && NativeLog.recent().stream().anyMatch(line -> line.contains("unknown model architecture"))) {
                    message = "llama.cpp b4916 does not know the architecture '" + header.string("general.architecture").orElse("?")
                            + "' of " + path + ": load it with the current profile (the default: keep dev.rill:rill-native-"
                            + "<platform> on the class path and do not ask for b4916)\n" + message;
                }
                throw new LlamaFileException(path, message);
            }
            return new LlamaModelHandle(path, model, header);
        }
    }

    /**
     * Checks in Java what llama.cpp would only report on stderr: the file exists, is GGUF, and its header and
     * tensors are all there.
     */
    static GgufHeader checkFile(Path path, boolean valueChecks) {
        if (!Files.exists(path)) {
            throw new LlamaFileException(path, "Model file " + path + " does not exist");
        }
        if (!Files.isRegularFile(path)) {
            throw new LlamaFileException(path, "Model path " + path + " is not a regular file");
        }
        byte[] magic;
        try (InputStream in = Files.newInputStream(path)) {
            magic = in.readNBytes(4);
        } catch (IOException e) {
            throw new LlamaFileException(path, "Model file " + path + " cannot be read: " + e.getMessage());
        }
        if (!java.util.Arrays.equals(magic, GGUF_MAGIC)) {
            throw new LlamaFileException(path, "Model file " + path + " is not a GGUF file (it does not start with \"GGUF\")");
        }
        GgufHeader header;
        try {
            header = GgufHeader.read(path);
            header.checkComplete();
        } catch (GgufHeader.FormatException e) {
            throw new LlamaFileException(path, "Model file " + path + " is not a valid GGUF file: " + e.getMessage());
        } catch (IOException e) {
            throw new LlamaFileException(path, "Model file " + path + " cannot be read: " + e.getMessage());
        }
        if (valueChecks) {
            ModelCheck.check(header);
        }
        return header;
    }

    /** The model file's GGUF header, read before loading. */
    public GgufHeader header() {
        return header;
    }

    /** The file this model came from. */
    public Path path() {
        return path;
    }

    /** The width of the model's hidden states, which is the width of its embeddings. */
    public int embeddingSize() {
        return embeddingSize;
    }

    /** Whether the model only encodes (BERT and kin): it has no decoder and keeps no KV cache. */
    public boolean isEncoderOnly() {
        return encoderOnly;
    }

    /** Whether the model's attention is causal ({@code <arch>.attention.causal}, true when absent). */
    public boolean isCausal() {
        return !Boolean.FALSE.equals(header.metadata().get(architectureKey("attention.causal")));
    }

    /** The pooling the model's metadata names ({@code <arch>.pooling_type}), if any. */
    public Optional<PoolingType> pooling() {
        return PoolingType.fromMetadata(header.metadata().get(architectureKey("pooling_type")));
    }

    private String architectureKey(String suffix) {
        return header.string("general.architecture").orElse("") + "." + suffix;
    }

    /** Tokens in the vocabulary. */
    public int vocabSize() {
        return vocabSize;
    }

    /** The native pointer, for {@link LlamaContextHandle}; only valid while this handle is open. */
    MemorySegment pointer() {
        return model;
    }

    /** The vocabulary pointer, for the engine thread's own piece lookups. */
    MemorySegment vocabPointer() {
        return vocab;
    }

    private void acquire() {
        lock.readLock().lock();
        if (model == null) {
            lock.readLock().unlock();
            throw new IllegalStateException("the model " + path + " is closed");
        }
    }

    private void release() {
        lock.readLock().unlock();
    }

    /** Basic facts, read once when the engine starts. */
    public record Facts(String description, String architecture, Optional<String> name, int trainingContext,
                        int embedding, int layers, int heads, int headsKv, long parameters, long sizeBytes,
                        Specials specialTokens, boolean addsBos, Optional<String> chatTemplate) {
    }

    /** The special token ids of the vocabulary, -1 where the model has none. */
    public record Specials(int bos, int eos, int eot, int newline, int pad) {
    }

    /** One message of a conversation: who speaks and what. */
    public record Message(String role, String content) {
    }

    /** Reads the model's facts. */
    public Facts facts() {
        acquire();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(512);
            int n = Llama.modelDesc(model, buf, buf.byteSize());
            String description = n < 0 ? "" : buf.getString(0);
            return new Facts(description, metaValue("general.architecture").orElse("unknown"),
                    metaValue("general.name"), Llama.modelNCtxTrain(model), Llama.modelNEmbd(model),
                    Llama.modelNLayer(model), Llama.modelNHead(model), Llama.modelNHeadKv(model),
                    Llama.modelNParams(model), Llama.modelSize(model),
                    new Specials(tokenOrNone(Llama.vocabBos(vocab)), tokenOrNone(Llama.vocabEos(vocab)),
                            tokenOrNone(Llama.vocabEot(vocab)), tokenOrNone(Llama.vocabNl(vocab)),
                            tokenOrNone(Llama.vocabPad(vocab))),
                    Llama.vocabGetAddBos(vocab), chatTemplate());
        } finally {
            release();
        }
    }

    private int tokenOrNone(int token) {
        return token >= 0 && token < vocabSize ? token : -1;
    }

    /** The value of a metadata key, as llama.cpp renders it, if the model has it. Caller holds the lock. */
    private Optional<String> metaValue(String key) {
        int count = Llama.modelMetaCount(model);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(256);
            for (int i = 0; i < count; i++) {
                int n = Llama.modelMetaKeyByIndex(model, i, buf, buf.byteSize());
                if (n < 0 || n >= buf.byteSize() || !buf.getString(0).equals(key)) {
                    continue;
                }
                int length = Llama.modelMetaValStrByIndex(model, i, buf, 0);
                MemorySegment value = arena.allocate(Math.max(1, length + 1L));
                Llama.modelMetaValStrByIndex(model, i, value, value.byteSize());
                return Optional.of(value.getString(0));
            }
        }
        return Optional.empty();
    }

    private Optional<String> chatTemplate() {
        return chatTemplateLocked(null);
    }

    /**
     * The chat template stored in the GGUF: {@code tokenizer.chat_template} for a null name, else the named variant
     * {@code tokenizer.chat_template.<name>} (for example {@code tool_use}). For a few popular models without one,
     * llama.cpp answers the name of one of its built-in templates instead of a template.
     */
    public Optional<String> chatTemplate(String name) {
        acquire();
        try {
            return chatTemplateLocked(name);
        } finally {
            release();
        }
    }

    private Optional<String> chatTemplateLocked(String name) {
        MemorySegment template;
        if (name == null) {
            template = Llama.modelChatTemplate(model, MemorySegment.NULL);
        } else {
            try (Arena arena = Arena.ofConfined()) {
                template = Llama.modelChatTemplate(model, arena.allocateFrom(name));
            }
        }
        if (template.equals(MemorySegment.NULL)) {
            return Optional.empty();
        }
        return Optional.of(template.reinterpret(Integer.MAX_VALUE).getString(0));
    }

    /** The special token ids, read from the vocabulary (cheaper than {@link #facts()}). */
    public Specials specialTokens() {
        acquire();
        try {
            return new Specials(tokenOrNone(Llama.vocabBos(vocab)), tokenOrNone(Llama.vocabEos(vocab)),
                    tokenOrNone(Llama.vocabEot(vocab)), tokenOrNone(Llama.vocabNl(vocab)),
                    tokenOrNone(Llama.vocabPad(vocab)));
        } finally {
            release();
        }
    }

    /** The text of one token, special tokens included (what a chat template calls {@code bos_token}). */
    public String tokenText(int token) {
        checkToken(token);
        acquire();
        try (Arena arena = Arena.ofConfined()) {
            return new String(piece(arena.allocate(64), token, true), StandardCharsets.UTF_8);
        } finally {
            release();
        }
    }

    /** Whether {@code token} ends generation (end of sequence, end of turn, ...). */
    public boolean isEndOfGeneration(int token) {
        checkToken(token);
        acquire();
        try {
            return Llama.vocabIsEog(vocab, token);
        } finally {
            release();
        }
    }

    /** Throws when {@code token} is outside the vocabulary. llama.cpp ends the process on such a token. */
    public void checkToken(int token) {
        if (token < 0 || token >= vocabSize) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary [0, " + vocabSize + ")");
        }
    }

    /** Tokenizes UTF-8 text. */
    public int[] tokenize(String text, boolean addSpecial, boolean parseSpecial) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        acquire();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bytes = arena.allocate(Math.max(1, utf8.length));
            MemorySegment.copy(utf8, 0, bytes, JAVA_BYTE, 0, utf8.length);
            int capacity = utf8.length + 8;
            while (true) {
                MemorySegment tokens = arena.allocate(JAVA_INT, capacity);
                int n = Llama.tokenize(vocab, bytes, utf8.length, tokens, capacity, addSpecial, parseSpecial);
                if (n >= 0) {
                    return tokens.asSlice(0, (long) n * Integer.BYTES).toArray(JAVA_INT);
                }
                if (-n <= capacity) {
                    throw new LlamaCallException("llama_tokenize failed (" + n + ") on a text of " + utf8.length + " bytes");
                }
                capacity = -n;
            }
        } finally {
            release();
        }
    }

    /** Values a reranker's classification head gives per pair (1 for a model without a multi-label head). */
    public int classifierOutputs() {
        acquire();
        try {
            return Math.max(1, binding().classifierOutputs(model));
        } finally {
            release();
        }
    }

    /**
     * The tokens of a query and a document as one reranker input, as llama.cpp's server forms them: the model's
     * {@code rerank} template with {@code {query}} and {@code {document}} filled in when it has one; otherwise
     * BOS (if the vocabulary adds one), the query, EOS (SEP if there is no EOS) if the vocabulary adds EOS, SEP if it
     * separates pairs, the document, and EOS again if it adds EOS.
     */
    public int[] rerankPair(String query, String document) {
        Optional<String> template = chatTemplate("rerank");
        if (template.isPresent()) {
            return tokenize(template.get().replace("{query}", query).replace("{document}", document), false, true);
        }
        int[] queryTokens = tokenize(query, false, false);
        int[] documentTokens = tokenize(document, false, false);
        boolean addBos;
        boolean addEos;
        boolean separate;
        int bosToken;
        int endToken;
        int sepToken;
        acquire();
        try {
            addBos = Llama.vocabGetAddBos(vocab);
            addEos = Llama.vocabGetAddEos(vocab);
            separate = binding().separatesPairs(vocab);
            bosToken = Llama.vocabBos(vocab);
            sepToken = Llama.vocabSep(vocab);
            int eos = Llama.vocabEos(vocab);
            endToken = eos >= 0 ? eos : sepToken;
        } finally {
            release();
        }
        IntStream.Builder pair = IntStream.builder();
        if (addBos && bosToken >= 0) {
            pair.add(bosToken);
        }
        Arrays.stream(queryTokens).forEach(pair);
        if (addEos && endToken >= 0) {
            pair.add(endToken);
        }
        if (separate && sepToken >= 0) {
            pair.add(sepToken);
        }
        Arrays.stream(documentTokens).forEach(pair);
        if (addEos && endToken >= 0) {
            pair.add(endToken);
        }
        return pair.build().toArray();
    }

    private static ProfileBinding binding() {
        return LlamaRuntime.binding();
    }

    /** Renders tokens back to text (special tokens are left out). */
    public String detokenize(int[] tokens) {
        for (int token : tokens) {
            checkToken(token);
        }
        acquire();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ids = arena.allocateFrom(JAVA_INT, tokens);
            int capacity = tokens.length * 8 + 16;
            while (true) {
                MemorySegment text = arena.allocate(capacity);
                int n = Llama.detokenize(vocab, ids, tokens.length, text, capacity, false, false);
                if (n >= 0) {
                    return new String(text.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
                }
                capacity = -n;
            }
        } finally {
            release();
        }
    }

    /**
     * The raw bytes of one token's piece (special tokens render as nothing unless {@code special}), written into
     * {@code buffer} when they fit (the usual case), else into a temporary one. For the context's own lookups.
     */
    byte[] piece(MemorySegment buffer, int token, boolean special) {
        checkToken(token); // llama_token_to_piece aborts on an id outside the vocabulary
        int n = Llama.tokenToPiece(vocab, token, buffer, (int) buffer.byteSize(), 0, special);
        if (n >= 0) {
            return buffer.asSlice(0, n).toArray(JAVA_BYTE);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment larger = arena.allocate(-n);
            n = Llama.tokenToPiece(vocab, token, larger, (int) larger.byteSize(), 0, special);
            return larger.asSlice(0, Math.max(0, n)).toArray(JAVA_BYTE);
        }
    }

    /**
     * Renders a conversation with {@code template} (null: the model's own).
     *
     * @throws LlamaCallException when there is no template or llama.cpp does not recognise it
     */
    public String applyChatTemplate(String template, List<Message> messages, boolean addAssistant) {
        acquire();
        try (Arena arena = Arena.ofConfined()) {
            String chosen = template != null ? template : chatTemplate().orElseThrow(() -> new LlamaCallException(
                    "The model " + path + " has no chat template (tokenizer.chat_template); pass one explicitly"));
            MemorySegment chat = arena.allocate(Layouts.CHAT_MESSAGE, messages.size());
            long total = 0;
            for (int i = 0; i < messages.size(); i++) {
                Message message = messages.get(i);
                MemorySegment entry = chat.asSlice(i * Layouts.CHAT_MESSAGE.byteSize(), Layouts.CHAT_MESSAGE);
                entry.set(java.lang.foreign.ValueLayout.ADDRESS, 0, arena.allocateFrom(message.role()));
                entry.set(java.lang.foreign.ValueLayout.ADDRESS, 8, arena.allocateFrom(message.content()));
                total += message.role().length() + message.content().length();
            }
            MemorySegment tmpl = arena.allocateFrom(chosen);
            int capacity = (int) Math.min(Integer.MAX_VALUE - 8, total * 2 + 256);
            while (true) {
                MemorySegment buf = arena.allocate(capacity);
                NativeLog.clearRecent();
                int n = Llama.chatApplyTemplate(tmpl, chat, messages.size(), addAssistant, buf, capacity);
                if (n < 0) {
                    throw new LlamaCallException(NativeLog.withRecent("llama.cpp does not support this chat template "
                            + "(it recognises a fixed list of templates, not arbitrary Jinja): "
                            + abbreviate(chosen)));
                }
                if (n <= capacity) {
                    return new String(buf.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
                }
                capacity = n;
            }
        } finally {
            release();
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    /** Runs {@code action} with the native model pointer under the read lock. */
    <T> T withModel(java.util.function.Function<MemorySegment, T> action) {
        acquire();
        try {
            return action.apply(model);
        } finally {
            release();
        }
    }

    void track(LlamaAdapterHandle adapter) {
        adapters.add(adapter);
    }

    void untrack(LlamaAdapterHandle adapter) {
        adapters.remove(adapter);
    }

    void track(LlamaGrammarHandle grammar) {
        grammars.add(grammar);
    }

    void untrack(LlamaGrammarHandle grammar) {
        grammars.remove(grammar);
    }

    /** Whether {@link #close()} ran. */
    public boolean isClosed() {
        lock.readLock().lock();
        try {
            return model == null;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Frees the model once; waits for calls in progress. Every context on it must be freed already. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (model != null) {
                // Adapters and grammars are the model's dependants: free the ones still open first.
                for (LlamaAdapterHandle adapter : java.util.List.copyOf(adapters)) {
                    adapter.free();
                }
                for (LlamaGrammarHandle grammar : java.util.List.copyOf(grammars)) {
                    grammar.free();
                }
                Llama.modelFree(model);
                model = null;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
