package dev.rill.testkit;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The header of a GGUF file as read by {@link #read(Path)}: its metadata and tensor infos, in file order.
 * Tensor data stays on disk; {@link #readFloats(String)} loads one tensor.
 *
 * @param dataOffset where the data section starts in the file
 */
public record GgufFile(Path path, int version, int alignment, long dataOffset, Map<String, GgufValue> metadata,
                       List<TensorInfo> tensors) {

    /**
     * One tensor's description.
     *
     * @param typeId the ggml type id, which may be one this kit cannot decode (see {@link #type()})
     * @param dims   ggml order, {@code dims.get(0)} is the row length
     * @param offset relative to the data section
     */
    public record TensorInfo(String name, int typeId, List<Long> dims, long offset) {
        public TensorInfo {
            dims = List.copyOf(dims);
        }

        /** The type, if this kit supports it. */
        public GgmlType type() {
            return GgmlType.ofId(typeId);
        }

        /** The number of values. */
        public long elementCount() {
            long count = 1;
            for (long dim : dims) {
                count *= dim;
            }
            return count;
        }
    }

    public GgufFile {
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        tensors = List.copyOf(tensors);
    }

    /** The metadata value under {@code key}. */
    public GgufValue value(String key) {
        GgufValue value = metadata.get(key);
        if (value == null) {
            throw new IllegalArgumentException("no metadata key '" + key + "' in " + path);
        }
        return value;
    }

    /** The tensor named {@code name}. */
    public TensorInfo tensor(String name) {
        for (TensorInfo tensor : tensors) {
            if (tensor.name().equals(name)) {
                return tensor;
            }
        }
        throw new IllegalArgumentException("no tensor '" + name + "' in " + path);
    }

    /** Reads and decodes all values of one tensor (F32, F16, Q4_0 or Q8_0), row after row. */
    public float[] readFloats(String name) throws IOException {
        TensorInfo tensor = tensor(name);
        GgmlType type = tensor.type();
        long count = tensor.elementCount();
        long bytes = type.rowBytes(tensor.dims().getFirst()) * (count / tensor.dims().getFirst());
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor '" + name + "' is too large to read at once");
        }
        ByteBuffer buffer = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel channel = FileChannel.open(path)) {
            long position = dataOffset + tensor.offset();
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, position + buffer.position()) < 0) {
                    throw new EOFException("tensor '" + name + "' runs past the end of " + path);
                }
            }
        }
        return TensorCodec.decode(type, buffer.flip(), (int) count);
    }

    /** Reads the header, metadata and tensor infos of a GGUF file (versions 2 and 3). */
    public static GgufFile read(Path path) throws IOException {
        try (Source in = new Source(new BufferedInputStream(Files.newInputStream(path), 1 << 16))) {
            byte[] magic = in.bytes(4);
            if (!new String(magic, StandardCharsets.ISO_8859_1).equals("GGUF")) {
                throw new IOException(path + " is not a GGUF file");
            }
            int version = in.i32();
            if (version != 2 && version != 3) {
                throw new IOException(path + " has unsupported GGUF version " + version);
            }
            long tensorCount = in.i64();
            long kvCount = in.i64();
            Map<String, GgufValue> metadata = new LinkedHashMap<>();
            for (long i = 0; i < kvCount; i++) {
                String key = in.string();
                GgufValue.Type type = GgufValue.Type.ofId(in.i32());
                GgufValue value;
                if (type == GgufValue.Type.ARRAY) {
                    GgufValue.Type elementType = GgufValue.Type.ofId(in.i32());
                    long n = in.i64();
                    List<Object> elements = new ArrayList<>((int) Math.min(n, 1 << 20));
                    for (long j = 0; j < n; j++) {
                        elements.add(readScalar(in, elementType));
                    }
                    value = new GgufValue.Array(elementType, elements);
                } else {
                    value = new GgufValue.Scalar(type, readScalar(in, type));
                }
                if (metadata.put(key, value) != null) {
                    throw new IOException(path + " has duplicate metadata key '" + key + "'");
                }
            }
            GgufValue alignmentValue = metadata.get(GgufWriter.ALIGNMENT_KEY);
            int alignment = alignmentValue == null ? GgufWriter.DEFAULT_ALIGNMENT : (int) alignmentValue.asLong();
            List<TensorInfo> tensors = new ArrayList<>();
            for (long i = 0; i < tensorCount; i++) {
                String name = in.string();
                int nDims = in.i32();
                List<Long> dims = new ArrayList<>(nDims);
                for (int d = 0; d < nDims; d++) {
                    dims.add(in.i64());
                }
                int typeId = in.i32();
                long offset = in.i64();
                tensors.add(new TensorInfo(name, typeId, dims, offset));
            }
            long dataOffset = GgufWriter.pad(in.position(), alignment);
            return new GgufFile(path, version, alignment, dataOffset, metadata, tensors);
        }
    }

    private static Object readScalar(Source in, GgufValue.Type type) throws IOException {
        return switch (type) {
            case UINT8 -> in.u8();
            case INT8 -> (int) (byte) in.u8();
            case UINT16 -> in.u16();
            case INT16 -> (int) (short) in.u16();
            case UINT32 -> in.i32() & 0xFFFF_FFFFL;
            case INT32 -> in.i32();
            case UINT64, INT64 -> in.i64();
            case FLOAT32 -> Float.intBitsToFloat(in.i32());
            case FLOAT64 -> Double.longBitsToDouble(in.i64());
            case BOOL -> in.u8() != 0;
            case STRING -> in.string();
            case ARRAY -> throw new IOException("nested GGUF arrays are not supported");
        };
    }

    /** A little-endian reader that counts its position. */
    private static final class Source implements AutoCloseable {
        private final InputStream in;
        private long position;

        Source(InputStream in) {
            this.in = in;
        }

        long position() {
            return position;
        }

        int u8() throws IOException {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("GGUF header ends early");
            }
            position++;
            return b;
        }

        int u16() throws IOException {
            return u8() | u8() << 8;
        }

        int i32() throws IOException {
            return u16() | u16() << 16;
        }

        long i64() throws IOException {
            return (i32() & 0xFFFF_FFFFL) | (long) i32() << 32;
        }

        byte[] bytes(int n) throws IOException {
            byte[] bytes = in.readNBytes(n);
            if (bytes.length != n) {
                throw new EOFException("GGUF header ends early");
            }
            position += n;
            return bytes;
        }

        String string() throws IOException {
            long length = i64();
            if (length < 0 || length > Integer.MAX_VALUE) {
                throw new IOException("GGUF string of length " + length);
            }
            return new String(bytes((int) length), StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
