package dev.rill.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a GGUF version 3 file: collect metadata and tensors, then {@link #write(Path)}.
 *
 * <p>Tensor data is streamed: each tensor's rows are asked from its {@link RowSource} while the file is written, so
 * a file of any size needs only one row of heap per tensor. Dimensions are in ggml order: {@code dims[0]} is the
 * contiguous row length. The data alignment is {@value #DEFAULT_ALIGNMENT} bytes unless the metadata holds a
 * {@code general.alignment} UINT32.
 */
public final class GgufWriter {
    /** GGUF's default alignment of the data section and of every tensor in it. */
    public static final int DEFAULT_ALIGNMENT = 32;
    /** The metadata key that changes the alignment. */
    public static final String ALIGNMENT_KEY = "general.alignment";
    /** ggml keeps tensor names, with their terminating NUL, in 64 bytes. */
    public static final int MAX_TENSOR_NAME_BYTES = 63;

    private static final int VERSION = 3;
    private static final int BUFFER_BYTES = 1 << 20;

    /** Supplies a tensor's rows in order; {@code values} has the row length and is reused between calls. */
    @FunctionalInterface
    public interface RowSource {
        /** Writes the values of row {@code row} (counted over all dimensions after the first) into {@code values}. */
        void fillRow(long row, float[] values);

        /** Every value equal to {@code value}. */
        static RowSource constant(float value) {
            return (row, values) -> Arrays.fill(values, value);
        }
    }

    private record PendingTensor(String name, GgmlType type, long[] dims, RowSource rows) {
        long rowLength() {
            return dims[0];
        }

        long rowCount() {
            long count = 1;
            for (int i = 1; i < dims.length; i++) {
                count = Math.multiplyExact(count, dims[i]);
            }
            return count;
        }

        long dataBytes() {
            return Math.multiplyExact(type.rowBytes(rowLength()), rowCount());
        }
    }

    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final Map<String, PendingTensor> tensors = new LinkedHashMap<>();

    /** Adds a metadata entry; keys are unique. */
    public GgufWriter metadata(String key, GgufValue value) {
        Objects.requireNonNull(value, "value");
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("metadata keys must not be empty");
        }
        if (metadata.containsKey(key)) {
            throw new IllegalArgumentException("duplicate metadata key '" + key + "'");
        }
        if (key.equals(ALIGNMENT_KEY)) {
            if (value.type() != GgufValue.Type.UINT32 || Long.bitCount(value.asLong()) != 1) {
                throw new IllegalArgumentException(ALIGNMENT_KEY + " must be a UINT32 power of two, got " + value);
            }
        }
        metadata.put(key, value);
        return this;
    }

    /**
     * Adds a tensor whose rows come from {@code rows} at write time.
     *
     * @param dims 1 to 4 positive dimensions, ggml order ({@code dims[0]} is the row length)
     */
    public GgufWriter tensor(String name, GgmlType type, long[] dims, RowSource rows) {
        Objects.requireNonNull(rows, "rows");
        checkTensor(name, type, dims);
        PendingTensor tensor = new PendingTensor(name, type, dims.clone(), rows);
        tensor.dataBytes(); // overflow check
        tensors.put(name, tensor);
        return this;
    }

    /** Adds a tensor from all its values, row after row; {@code values.length} must be the product of dims. */
    public GgufWriter tensor(String name, GgmlType type, long[] dims, float[] values) {
        checkTensor(name, type, dims);
        long count = 1;
        for (long dim : dims) {
            count = Math.multiplyExact(count, dim);
        }
        if (values.length != count) {
            throw new IllegalArgumentException("tensor '" + name + "' with dims " + Arrays.toString(dims)
                    + " needs " + count + " values, got " + values.length);
        }
        float[] copy = values.clone();
        int rowLength = (int) dims[0];
        return tensor(name, type, dims,
                (row, out) -> System.arraycopy(copy, Math.toIntExact(row * rowLength), out, 0, rowLength));
    }

    private void checkTensor(String name, GgmlType type, long[] dims) {
        Objects.requireNonNull(type, "type");
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("tensor names must not be empty");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_TENSOR_NAME_BYTES) {
            throw new IllegalArgumentException(
                    "tensor name '" + name + "' is longer than " + MAX_TENSOR_NAME_BYTES + " bytes");
        }
        if (tensors.containsKey(name)) {
            throw new IllegalArgumentException("duplicate tensor name '" + name + "'");
        }
        if (dims.length < 1 || dims.length > 4) {
            throw new IllegalArgumentException("tensor '" + name + "' needs 1 to 4 dimensions, got " + dims.length);
        }
        for (long dim : dims) {
            if (dim <= 0) {
                throw new IllegalArgumentException(
                        "tensor '" + name + "' has a non-positive dimension: " + Arrays.toString(dims));
            }
        }
        if (dims[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException("tensor '" + name + "': " + type + " rows must be a multiple of "
                    + type.blockSize() + " values, got " + dims[0]);
        }
        if (dims[0] > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor '" + name + "' has rows too long to stream: " + dims[0]);
        }
    }

    /** The alignment this file will use. */
    public int alignment() {
        GgufValue value = metadata.get(ALIGNMENT_KEY);
        return value == null ? DEFAULT_ALIGNMENT : (int) value.asLong();
    }

    /** Writes the file, replacing {@code path}; a file left half-written by a failure is deleted. Returns its size. */
    public long write(Path path) throws IOException {
        List<PendingTensor> order = new ArrayList<>(tensors.values());
        int alignment = alignment();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            Sink out = new Sink(channel);
            out.bytes("GGUF".getBytes(StandardCharsets.US_ASCII));
            out.u32(VERSION);
            out.u64(order.size());
            out.u64(metadata.size());
            for (Map.Entry<String, GgufValue> entry : metadata.entrySet()) {
                out.string(entry.getKey());
                writeValue(out, entry.getValue());
            }
            long offset = 0;
            for (PendingTensor tensor : order) {
                out.string(tensor.name());
                out.u32(tensor.dims().length);
                for (long dim : tensor.dims()) {
                    out.u64(dim);
                }
                out.u32(tensor.type().id());
                out.u64(offset);
                offset += pad(tensor.dataBytes(), alignment);
            }
            out.padTo(alignment);
            long dataStart = out.position();
            for (PendingTensor tensor : order) {
                writeData(out, tensor);
                out.padTo(alignment);
            }
            out.flush();
            if (out.position() != dataStart + offset) {
                throw new IllegalStateException("data section size mismatch");
            }
            return out.position();
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(path);
            throw e;
        }
    }

    private static void writeData(Sink out, PendingTensor tensor) throws IOException {
        float[] row = new float[(int) tensor.rowLength()];
        int rowBytes = (int) tensor.type().rowBytes(row.length);
        long rowCount = tensor.rowCount();
        ByteBuffer ownBuffer = rowBytes > BUFFER_BYTES
                ? ByteBuffer.allocate(rowBytes).order(ByteOrder.LITTLE_ENDIAN) : null;
        for (long r = 0; r < rowCount; r++) {
            tensor.rows().fillRow(r, row);
            try {
                if (ownBuffer == null) {
                    TensorCodec.encodeRow(tensor.type(), row, out.reserve(rowBytes));
                } else {
                    ownBuffer.clear();
                    TensorCodec.encodeRow(tensor.type(), row, ownBuffer);
                    out.write(ownBuffer.flip());
                }
            } catch (IllegalArgumentException e) {
                String where = "tensor '" + tensor.name() + "' row " + r + ": ";
                throw new IllegalArgumentException(where + e.getMessage(), e);
            }
        }
    }

    private static void writeValue(Sink out, GgufValue value) throws IOException {
        out.u32(value.type().id());
        switch (value) {
            case GgufValue.Scalar(GgufValue.Type type, Object v) -> writeScalar(out, type, v);
            case GgufValue.Array(GgufValue.Type elementType, List<Object> elements) -> {
                out.u32(elementType.id());
                out.u64(elements.size());
                for (Object element : elements) {
                    writeScalar(out, elementType, element);
                }
            }
        }
    }

    private static void writeScalar(Sink out, GgufValue.Type type, Object v) throws IOException {
        switch (type) {
            case UINT8, INT8 -> out.reserve(1).put((byte) (int) (Integer) v);
            case UINT16, INT16 -> out.reserve(2).putShort((short) (int) (Integer) v);
            case INT32 -> out.u32((Integer) v);
            case UINT32 -> out.u32((int) (long) (Long) v);
            case UINT64, INT64 -> out.u64((Long) v);
            case FLOAT32 -> out.reserve(4).putFloat((Float) v);
            case FLOAT64 -> out.reserve(8).putDouble((Double) v);
            case BOOL -> out.reserve(1).put((byte) ((Boolean) v ? 1 : 0));
            case STRING -> out.string((String) v);
            case ARRAY -> throw new IllegalArgumentException("nested arrays are not supported by GGUF readers");
        }
    }

    static long pad(long size, long alignment) {
        return (size + alignment - 1) / alignment * alignment;
    }

    /** A buffered little-endian writer over a file channel. */
    private static final class Sink {
        private final FileChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        private long flushed;

        Sink(FileChannel channel) {
            this.channel = channel;
        }

        long position() {
            return flushed + buffer.position();
        }

        /** The buffer, with at least {@code bytes} free; callers must fill exactly what they reserved. */
        ByteBuffer reserve(int bytes) throws IOException {
            if (bytes > buffer.capacity()) {
                throw new IllegalArgumentException(bytes + " bytes do not fit the write buffer");
            }
            if (buffer.remaining() < bytes) {
                flush();
            }
            return buffer;
        }

        /** Writes a whole buffer, bypassing (after flushing) the internal one. */
        void write(ByteBuffer bytes) throws IOException {
            flush();
            while (bytes.hasRemaining()) {
                flushed += channel.write(bytes);
            }
        }

        void u32(int value) throws IOException {
            reserve(4).putInt(value);
        }

        void u64(long value) throws IOException {
            reserve(8).putLong(value);
        }

        void bytes(byte[] bytes) throws IOException {
            int done = 0;
            while (done < bytes.length) {
                if (!buffer.hasRemaining()) {
                    flush();
                }
                int n = Math.min(buffer.remaining(), bytes.length - done);
                buffer.put(bytes, done, n);
                done += n;
            }
        }

        void string(String value) throws IOException {
            byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
            u64(utf8.length);
            bytes(utf8);
        }

        void padTo(int alignment) throws IOException {
            long padding = pad(position(), alignment) - position();
            bytes(new byte[(int) padding]);
        }

        void flush() throws IOException {
            buffer.flip();
            while (buffer.hasRemaining()) {
                flushed += channel.write(buffer);
            }
            buffer.clear();
        }
    }
}
