package dev.rill.internal.gguf;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The header of a GGUF file (format versions 2 and 3): scalar metadata and tensor infos, read in Java before
 * llama.cpp sees the file. llama.cpp's GGUF parser reports most format errors on stderr only, so checking here
 * turns a corrupt or truncated file into an exception that says what is wrong and where.
 *
 * <p>{@link #read(Path)} skips array values (their element type and length are kept), so reading a 128k-token
 * vocabulary costs milliseconds; {@link #readWithArrays(Path)} keeps them too. Every length is bounded by the file's
 * size before anything is allocated. Maps keep the file's order.
 */
public record GgufHeader(Path path, long fileSize, int version, Map<String, Object> metadata,
                         Map<String, Integer> metadataTypes, Map<String, ArrayInfo> arrays, List<TensorInfo> tensors,
                         long alignment, long dataOffset) {

    /** GGUF's value type code of a string. */
    public static final int STRING = 8;
    /** GGUF's value type code of a 32-bit float. */
    public static final int FLOAT32 = 6;

    /**
     * An array value.
     *
     * @param values its elements, as {@link #metadata()} holds scalars, when read by {@link #readWithArrays};
     *               empty otherwise
     */
    public record ArrayInfo(int elementType, long length, List<Object> values) {
        public ArrayInfo {
            values = List.copyOf(values);
        }
    }

    /**
     * One tensor.
     *
     * @param dims its dimensions, ggml order (the first is the contiguous one)
     * @param type its ggml type code
     * @param offset its offset from the start of the data section
     */
    public record TensorInfo(String name, long[] dims, int type, long offset) {
        /** Its element count. */
        public long elements() {
            long n = 1;
            for (long d : dims) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }

        /** Its size in bytes, or -1 for a type this reader does not know. */
        public long bytes() {
            return GgmlTypes.bytes(type, elements());
        }
    }

    /** The file's format is broken; the message says where. */
    public static final class FormatException extends IOException {
        private static final long serialVersionUID = 1L;

        FormatException(String message) {
            super(message);
        }
    }

    private static final int MAGIC = 0x46554747; // "GGUF" little-endian
    /** llama.cpp's GGUF_MAX_STRING_LENGTH: a longer string is refused, whatever the file's size. */
    static final long MAX_STRING_BYTES = 1L << 30;
    /** llama.cpp's GGUF_MAX_ARRAY_ELEMENTS. */
    static final long MAX_ARRAY_LENGTH = 1L << 30;
    /** ggml's GGML_MAX_NAME: a tensor name and its terminating NUL. */
    static final int MAX_TENSOR_NAME = 64;
    private static final int TYPE_UINT8 = 0;
    private static final int TYPE_INT8 = 1;
    private static final int TYPE_UINT16 = 2;
    private static final int TYPE_INT16 = 3;
    private static final int TYPE_UINT32 = 4;
    private static final int TYPE_INT32 = 5;
    private static final int TYPE_FLOAT32 = 6;
    private static final int TYPE_BOOL = 7;
    private static final int TYPE_STRING = 8;
    private static final int TYPE_ARRAY = 9;
    private static final int TYPE_UINT64 = 10;
    private static final int TYPE_INT64 = 11;
    private static final int TYPE_FLOAT64 = 12;

    /** A string metadata value. */
    public Optional<String> string(String key) {
        return metadata.get(key) instanceof String s ? Optional.of(s) : Optional.empty();
    }

    /** The tensor called {@code name}. */
    public Optional<TensorInfo> tensor(String name) {
        for (TensorInfo t : tensors) {
            if (t.name().equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** Bytes of tensor data, summed over tensors of known types ({@link Long#MAX_VALUE} if the sum overflows). */
    public long tensorBytes() {
        long sum = 0;
        for (TensorInfo t : tensors) {
            long b = t.bytes();
            if (b > 0) {
                sum = sum > Long.MAX_VALUE - b ? Long.MAX_VALUE : sum + b;
            }
        }
        return sum;
    }

    /**
     * Checks that every tensor of a known type lies inside the file.
     *
     * @throws FormatException naming the first tensor that does not
     */
    public void checkComplete() throws FormatException {
        for (TensorInfo t : tensors) {
            long bytes = t.bytes();
            if (bytes < 0) {
                continue;
            }
            // Compared without adding, which could overflow: offset and size are each up to 2^63 - 1.
            if (dataOffset > fileSize || t.offset() > fileSize - dataOffset
                    || bytes > fileSize - dataOffset - t.offset()) {
                long end = dataOffset + t.offset() + bytes;
                throw new FormatException("tensor '" + t.name() + "' ends at byte "
                        + (end < 0 || end < t.offset() ? "2^63 or beyond" : Long.toString(end))
                        + " but the file has only " + fileSize + " bytes: the file is truncated");
            }
        }
    }

    /** Reads the header of {@code path}, skipping array values. */
    public static GgufHeader read(Path path) throws IOException {
        return read(path, false);
    }

    /** Reads the header of {@code path} with the elements of every array. */
    public static GgufHeader readWithArrays(Path path) throws IOException {
        return read(path, true);
    }

    private static GgufHeader read(Path path, boolean keepArrays) throws IOException {
        long size = Files.size(path);
        try (InputStream raw = Files.newInputStream(path)) {
            Reader reader = new Reader(new DataInputStream(new BufferedInputStream(raw, 1 << 16)), size, keepArrays);
            return reader.header(path);
        }
    }

    /**
     * Reads a header from {@code in}, which holds the {@code size} bytes of the file at {@code path} (the fuzz
     * targets read from memory through it). Does not close {@code in}.
     */
    public static GgufHeader read(Path path, InputStream in, long size) throws IOException {
        Reader reader = new Reader(new DataInputStream(new BufferedInputStream(in, 1 << 16)), size, false);
        return reader.header(path);
    }

    /** A little-endian reader that knows the file size and its own position. */
    private static final class Reader {
        private final DataInputStream in;
        private final long size;
        private final boolean keepArrays;
        private long position;

        Reader(DataInputStream in, long size, boolean keepArrays) {
            this.in = in;
            this.size = size;
            this.keepArrays = keepArrays;
        }

        GgufHeader header(Path path) throws IOException {
            int magic = i32(() -> "the magic");
            if (magic != MAGIC) {
                throw new FormatException("the file does not start with \"GGUF\"");
            }
            if (size < 24) {
                throw new FormatException("the file has " + size + " bytes, fewer than a GGUF header's 24: it is truncated");
            }
            int version = i32(() -> "the version");
            if (version < 2 || version > 3) {
                throw new FormatException("GGUF version " + version + " is not supported (2 and 3 are)");
            }
            // Both counts are unsigned 64-bit: a count of 2^63 or more reads as negative here.
            long tensorCount = u64(() -> "the tensor count");
            long kvCount = u64(() -> "the metadata count");
            if (tensorCount < 0 || kvCount < 0 || tensorCount > size / 24 || kvCount > size / 12) {
                throw new FormatException("the header claims " + Long.toUnsignedString(tensorCount) + " tensors and "
                        + Long.toUnsignedString(kvCount) + " metadata entries, more than a file of " + size
                        + " bytes can hold: it is truncated or corrupt");
            }
            Map<String, Object> metadata = new LinkedHashMap<>();
            Map<String, Integer> types = new LinkedHashMap<>();
            Map<String, ArrayInfo> arrays = new LinkedHashMap<>();
            for (long i = 0; i < kvCount; i++) {
                long index = i;
                String key = string(() -> "metadata key " + index);
                if (key.isEmpty()) {
                    throw new FormatException("metadata key " + i + " is empty");
                }
                int type = i32(() -> "the type of '" + key + "'");
                if (types.put(key, type) != null) {
                    throw new FormatException("metadata key '" + key + "' appears twice");
                }
                if (type == TYPE_ARRAY) {
                    int elementType = i32(() -> "the element type of '" + key + "'");
                    long length = u64(() -> "the length of '" + key + "'");
                    if (length < 0 || length > MAX_ARRAY_LENGTH || length > size - position) {
                        throw new FormatException("array '" + key + "' claims " + Long.toUnsignedString(length)
                                + " elements, more than the file holds (or llama.cpp's limit of " + MAX_ARRAY_LENGTH
                                + ")");
                    }
                    List<Object> values = new ArrayList<>();
                    for (long j = 0; j < length; j++) {
                        if (keepArrays) {
                            values.add(element(elementType, key, j));
                        } else {
                            skipValue(elementType, key, j);
                        }
                    }
                    arrays.put(key, new ArrayInfo(elementType, length, values));
                } else {
                    metadata.put(key, value(type, key));
                }
            }
            Integer alignmentType = types.get("general.alignment");
            if (alignmentType != null && alignmentType != TYPE_UINT32) {
                throw new FormatException("general.alignment has GGUF value type " + alignmentType
                        + ", not UINT32 (4)");
            }
            long alignment = metadata.get("general.alignment") instanceof Long n ? n : 32;
            if (alignment <= 0 || (alignment & (alignment - 1)) != 0) {
                throw new FormatException("general.alignment " + alignment + " is not a power of two");
            }
            List<TensorInfo> tensors = new ArrayList<>((int) tensorCount);
            Set<String> names = new HashSet<>();
            for (long i = 0; i < tensorCount; i++) {
                long index = i;
                String name = string(() -> "the name of tensor " + index);
                if (name.getBytes(StandardCharsets.UTF_8).length >= MAX_TENSOR_NAME) {
                    throw new FormatException("the name of tensor " + i + " has "
                            + name.getBytes(StandardCharsets.UTF_8).length + " bytes; ggml keeps at most "
                            + (MAX_TENSOR_NAME - 1));
                }
                if (!names.add(name)) {
                    throw new FormatException("tensor '" + name + "' appears twice");
                }
                int dimCount = i32(() -> "the dimension count of '" + name + "'");
                if (dimCount < 1 || dimCount > 4) {
                    throw new FormatException("tensor '" + name + "' has " + dimCount + " dimensions (1 to 4 allowed)");
                }
                long[] dims = new long[dimCount];
                long elements = 1;
                for (int d = 0; d < dimCount; d++) {
                    dims[d] = u64(() -> "a dimension of '" + name + "'");
                    if (dims[d] <= 0) {
                        throw new FormatException("tensor '" + name + "' has a dimension of "
                                + Long.toUnsignedString(dims[d]));
                    }
                    if (elements > Long.MAX_VALUE / dims[d]) {
                        throw new FormatException("tensor '" + name + "' has more than 2^63 elements");
                    }
                    elements *= dims[d];
                }
                int type = i32(() -> "the type of '" + name + "'");
                long blockElements = GgmlTypes.blockElements(type);
                if (blockElements > 0 && dims[0] % blockElements != 0) {
                    throw new FormatException("tensor '" + name + "' of type " + GgmlTypes.name(type) + " has rows of "
                            + dims[0] + " elements, not a multiple of the type's block of " + blockElements);
                }
                if (blockElements > 0 && GgmlTypes.bytes(type, elements) < 0) {
                    throw new FormatException("tensor '" + name + "' has more than 2^63 bytes");
                }
                long offset = u64(() -> "the offset of '" + name + "'");
                if (offset < 0 || offset % alignment != 0) {
                    throw new FormatException("tensor '" + name + "' has offset " + Long.toUnsignedString(offset)
                            + ", not a multiple of the alignment " + alignment);
                }
                tensors.add(new TensorInfo(name, dims, type, offset));
            }
            long dataOffset = (position + alignment - 1) / alignment * alignment;
            return new GgufHeader(path, size, version, Collections.unmodifiableMap(metadata),
                    Collections.unmodifiableMap(types), Collections.unmodifiableMap(arrays), List.copyOf(tensors),
                    alignment, dataOffset);
        }

        private Object value(int type, String key) throws IOException {
            Supplier<String> what = () -> "'" + key + "'";
            return switch (type) {
                case TYPE_UINT8 -> (long) (u8(what) & 0xFF);
                case TYPE_INT8 -> (long) u8(what);
                case TYPE_UINT16 -> (long) (i16(what) & 0xFFFF);
                case TYPE_INT16 -> (long) i16(what);
                case TYPE_UINT32 -> i32(what) & 0xFFFFFFFFL;
                case TYPE_INT32 -> (long) i32(what);
                case TYPE_FLOAT32 -> (double) Float.intBitsToFloat(i32(what));
                case TYPE_BOOL -> u8(what) != 0;
                case TYPE_STRING -> string(what);
                case TYPE_UINT64, TYPE_INT64 -> u64(what);
                case TYPE_FLOAT64 -> Double.longBitsToDouble(u64(what));
                default -> throw new FormatException("metadata '" + key + "' has an unknown type " + type);
            };
        }

        /** Reads element {@code index} of array {@code key}, a scalar of {@code type}. */
        private Object element(int type, String key, long index) throws IOException {
            if (type == TYPE_ARRAY) {
                throw new FormatException("array '" + key + "' holds arrays, which GGUF does not allow");
            }
            return value(type, key + "[" + index + "]");
        }

        /** Skips element {@code index} of array {@code key}; the name is built only for an error message. */
        private void skipValue(int type, String key, long index) throws IOException {
            Supplier<String> what = () -> "'" + key + "'[" + index + "]";
            switch (type) {
                case TYPE_UINT8, TYPE_INT8, TYPE_BOOL -> skip(1, what);
                case TYPE_UINT16, TYPE_INT16 -> skip(2, what);
                case TYPE_UINT32, TYPE_INT32, TYPE_FLOAT32 -> skip(4, what);
                case TYPE_UINT64, TYPE_INT64, TYPE_FLOAT64 -> skip(8, what);
                case TYPE_STRING -> skip(length(what), what);
                default -> throw new FormatException("array element " + what.get() + " has an unsupported type " + type);
            }
        }

        /** A string's length, checked against the bytes left and llama.cpp's limit before anything is allocated. */
        private long length(Supplier<String> what) throws IOException {
            long n = u64(() -> "the length of " + what.get());
            if (n < 0 || n > size - position) {
                throw new FormatException("the length of " + what.get() + " (" + Long.toUnsignedString(n)
                        + ") runs past the end of the file: it is truncated or corrupt");
            }
            if (n > MAX_STRING_BYTES) {
                throw new FormatException(what.get() + " is too long (" + n + " bytes; llama.cpp reads at most "
                        + MAX_STRING_BYTES + ")");
            }
            return n;
        }

        private String string(Supplier<String> what) throws IOException {
            byte[] bytes = new byte[(int) length(what)];
            read(bytes, what);
            return new String(bytes, StandardCharsets.UTF_8);
        }

        private void read(byte[] bytes, Supplier<String> what) throws IOException {
            try {
                in.readFully(bytes);
            } catch (EOFException e) {
                throw truncated(what);
            }
            position += bytes.length;
        }

        private void skip(long n, Supplier<String> what) throws IOException {
            long left = n;
            while (left > 0) {
                long skipped = in.skip(left);
                if (skipped <= 0) {
                    if (in.read() < 0) {
                        throw truncated(what);
                    }
                    skipped = 1;
                }
                left -= skipped;
            }
            position += n;
        }

        private byte u8(Supplier<String> what) throws IOException {
            int b = in.read();
            if (b < 0) {
                throw truncated(what);
            }
            position++;
            return (byte) b;
        }

        private short i16(Supplier<String> what) throws IOException {
            byte[] b = new byte[2];
            read(b, what);
            return (short) ((b[0] & 0xFF) | (b[1] & 0xFF) << 8);
        }

        private int i32(Supplier<String> what) throws IOException {
            byte[] b = new byte[4];
            read(b, what);
            return (b[0] & 0xFF) | (b[1] & 0xFF) << 8 | (b[2] & 0xFF) << 16 | (b[3] & 0xFF) << 24;
        }

        private long u64(Supplier<String> what) throws IOException {
            return (i32(what) & 0xFFFFFFFFL) | (long) i32(what) << 32;
        }

        private FormatException truncated(Supplier<String> what) {
            return new FormatException("the file ends (at byte " + size + ") while reading " + what.get()
                    + ": it is truncated");
        }
    }
}
