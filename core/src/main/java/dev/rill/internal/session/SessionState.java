package dev.rill.internal.session;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A chat session's saved state and its byte format. Everything is checked in Java before any of it reaches
 * llama.cpp: the magic and version, a CRC-32C over the whole (so a truncated or damaged file is refused as such),
 * then the model's identity; the KV block itself is checked by the binding against the token history.
 *
 * <pre>
 *   "RILLSESS" u16 version
 *   str profile   str architecture   i32 vocabulary   i32 layers   i32 embedding   str kvCacheType
 *   i64 modelFileSize   32 bytes SHA-256 of the model file's first and last 4 MiB
 *   i32 n   n x i32 tokens (what the sequence's cells hold)
 *   i32 m   m x message (str role, str content, str toolCallId or "", i32 calls, calls x (str id or "", str name, str arguments))
 *   i32 k   k bytes: the KV block
 *   i32 CRC-32C of everything before it
 * </pre>
 * A {@code str} is an i32 byte length and that many bytes of UTF-8; numbers are big-endian.
 *
 * @param identity what identifies the model file and the context the cells came from
 * @param tokens the tokens the cells hold, positions 0..n-1
 * @param messages the conversation
 * @param kv the KV block (see the binding's state codec)
 */
public record SessionState(ModelIdentity identity, int[] tokens, List<Message> messages, byte[] kv) {
    private static final byte[] MAGIC = "RILLSESS".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    /** Bytes hashed at each end of the model file. */
    private static final int HASHED_BYTES = 4 << 20;
    private static final int MAX_MESSAGES = 1 << 20;

    /**
     * What a state must match to be restored: the llama.cpp release (the KV layout differs between them), the
     * model's shape, the KV element type, and the model file itself (its size and a hash of both ends).
     */
    public record ModelIdentity(String profile, String architecture, int vocabulary, int layers, int embedding,
                                String kvCacheType, long fileSize, byte[] fileHash) {

        /** Reads the file's size and hash. */
        public static ModelIdentity of(String profile, String architecture, int vocabulary, int layers, int embedding,
                                       String kvCacheType, Path file) {
            try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
                long size = in.length();
                MessageDigest digest = MessageDigest.getInstance("SHA-256");
                byte[] buffer = new byte[1 << 16];
                hash(in, 0, Math.min(size, HASHED_BYTES), digest, buffer);
                long tail = Math.max(Math.min(size, HASHED_BYTES), size - HASHED_BYTES);
                hash(in, tail, size - tail, digest, buffer);
                return new ModelIdentity(profile, architecture, vocabulary, layers, embedding, kvCacheType, size,
                        digest.digest());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the model file " + file + " to identify it", e);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is missing from this JVM", e);
            }
        }

        private static void hash(RandomAccessFile in, long from, long length, MessageDigest digest, byte[] buffer)
                throws IOException {
            in.seek(from);
            long left = length;
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    throw new EOFException("the model file ended early");
                }
                digest.update(buffer, 0, n);
                left -= n;
            }
        }

        /** What differs between a saved identity and this one, or null when they match. */
        public String mismatch(ModelIdentity saved) {
            if (!profile.equals(saved.profile)) {
                return "it was saved with llama.cpp " + saved.profile + ", this model runs on " + profile;
            }
            if (!architecture.equals(saved.architecture) || vocabulary != saved.vocabulary || layers != saved.layers
                    || embedding != saved.embedding) {
                return "it was saved from a " + saved.architecture + " model (" + saved.layers + " layers, "
                        + saved.embedding + " wide, " + saved.vocabulary + " tokens), this is a " + architecture
                        + " model (" + layers + " layers, " + embedding + " wide, " + vocabulary + " tokens)";
            }
            if (fileSize != saved.fileSize || !Arrays.equals(fileHash, saved.fileHash)) {
                return "it was saved from another model file (" + saved.fileSize + " bytes, hash "
                        + HexFormat.of().formatHex(saved.fileHash, 0, 8) + "...), this one has " + fileSize
                        + " bytes, hash " + HexFormat.of().formatHex(fileHash, 0, 8) + "...";
            }
            if (!kvCacheType.equals(saved.kvCacheType)) {
                return "its KV cells are " + saved.kvCacheType + ", this model's context keeps " + kvCacheType;
            }
            return null;
        }
    }

    /** One message of the conversation, as saved. */
    public record Message(String role, String content, String toolCallId, List<Call> toolCalls) {
    }

    /** One tool call of a message, as saved. */
    public record Call(String id, String name, String arguments) {
    }

    /** The state as bytes. */
    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(kv.length + 4 * tokens.length + 1024);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MAGIC);
            out.writeShort(VERSION);
            writeString(out, identity.profile());
            writeString(out, identity.architecture());
            out.writeInt(identity.vocabulary());
            out.writeInt(identity.layers());
            out.writeInt(identity.embedding());
            writeString(out, identity.kvCacheType());
            out.writeLong(identity.fileSize());
            out.write(identity.fileHash());
            out.writeInt(tokens.length);
            for (int token : tokens) {
                out.writeInt(token);
            }
            out.writeInt(messages.size());
            for (Message message : messages) {
                writeString(out, message.role());
                writeString(out, message.content());
                writeString(out, message.toolCallId() == null ? "" : message.toolCallId());
                out.writeInt(message.toolCalls().size());
                for (Call call : message.toolCalls()) {
                    writeString(out, call.id() == null ? "" : call.id());
                    writeString(out, call.name());
                    writeString(out, call.arguments());
                }
            }
            out.writeInt(kv.length);
            out.write(kv);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] body = bytes.toByteArray();
        CRC32C crc = new CRC32C();
        crc.update(body);
        byte[] all = Arrays.copyOf(body, body.length + 4);
        int sum = (int) crc.getValue();
        for (int i = 0; i < 4; i++) {
            all[body.length + i] = (byte) (sum >>> (24 - 8 * i));
        }
        return all;
    }

    /**
     * Reads a state.
     *
     * @throws IllegalArgumentException naming what is wrong: not a session state, another version, damaged or
     *     truncated (the checksum), or inconsistent
     */
    public static SessionState parse(byte[] data) {
        if (data.length < MAGIC.length + 2 + 4 || !Arrays.equals(data, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new IllegalArgumentException("not a Rill chat session state (it does not start with RILLSESS)");
        }
        int version = ((data[MAGIC.length] & 0xff) << 8) | (data[MAGIC.length + 1] & 0xff);
        if (version != VERSION) {
            throw new IllegalArgumentException("a chat session state of format version " + version
                    + "; this Rill reads version " + VERSION);
        }
        CRC32C crc = new CRC32C();
        crc.update(data, 0, data.length - 4);
        int stored = ((data[data.length - 4] & 0xff) << 24) | ((data[data.length - 3] & 0xff) << 16)
                | ((data[data.length - 2] & 0xff) << 8) | (data[data.length - 1] & 0xff);
        if ((int) crc.getValue() != stored) {
            throw new IllegalArgumentException("the chat session state is damaged or truncated (its checksum does "
                    + "not match; " + data.length + " bytes)");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data, 0, data.length - 4))) {
            in.skipNBytes(MAGIC.length + 2);
            String profile = readString(in);
            String architecture = readString(in);
            int vocabulary = in.readInt();
            int layers = in.readInt();
            int embedding = in.readInt();
            String kvType = readString(in);
            long fileSize = in.readLong();
            byte[] hash = in.readNBytes(32);
            if (hash.length != 32) {
                throw new EOFException();
            }
            int n = count(in, in.readInt(), 4, "tokens");
            int[] tokens = new int[n];
            for (int i = 0; i < n; i++) {
                tokens[i] = in.readInt();
            }
            int m = in.readInt();
            if (m < 0 || m > MAX_MESSAGES) {
                throw new IllegalArgumentException("the chat session state claims " + m + " messages");
            }
            List<Message> messages = new ArrayList<>();
            for (int i = 0; i < m; i++) {
                String role = readString(in);
                String content = readString(in);
                String toolCallId = readString(in);
                int calls = count(in, in.readInt(), 12, "tool calls");
                List<Call> callList = new ArrayList<>();
                for (int c = 0; c < calls; c++) {
                    String id = readString(in);
                    callList.add(new Call(id.isEmpty() ? null : id, readString(in), readString(in)));
                }
                messages.add(new Message(role, content, toolCallId.isEmpty() ? null : toolCallId, List.copyOf(callList)));
            }
            int k = count(in, in.readInt(), 1, "KV bytes");
            byte[] kv = in.readNBytes(k);
            if (in.available() != 0) {
                throw new IllegalArgumentException("the chat session state has " + in.available() + " bytes after its end");
            }
            return new SessionState(new ModelIdentity(profile, architecture, vocabulary, layers, embedding, kvType,
                    fileSize, hash), tokens, List.copyOf(messages), kv);
        } catch (EOFException e) {
            throw new IllegalArgumentException("the chat session state ends early", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Checks a count against the bytes left, so that no claimed size allocates more than the input holds. */
    private static int count(DataInputStream in, int n, int bytesEach, String what) throws IOException {
        if (n < 0 || (long) n * bytesEach > in.available()) {
            throw new IllegalArgumentException("the chat session state claims " + Integer.toUnsignedString(n) + " "
                    + what + ", more than its " + in.available() + " remaining bytes hold");
        }
        return n;
    }

    private static void writeString(DataOutputStream out, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String readString(DataInputStream in) throws IOException {
        int n = count(in, in.readInt(), 1, "bytes of text");
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }
}
