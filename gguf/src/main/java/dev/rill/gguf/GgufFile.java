package dev.rill.gguf;

import dev.rill.internal.gguf.GgufHeader;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
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

    /**
     * Reads the header, metadata and tensor infos of a GGUF file (versions 2 and 3), with the same checks that Rill
     * applies to a model before llama.cpp opens it.
     *
     * @throws IOException when the file cannot be read or its header is malformed (the message says where)
     */
    public static GgufFile read(Path path) throws IOException {
        GgufHeader header = GgufHeader.readWithArrays(path);
        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        header.metadataTypes().forEach((key, typeId) -> {
            GgufValue.Type type = GgufValue.Type.ofId(typeId);
            if (type == GgufValue.Type.ARRAY) {
                GgufHeader.ArrayInfo array = header.arrays().get(key);
                GgufValue.Type elementType = GgufValue.Type.ofId(array.elementType());
                List<Object> elements = new ArrayList<>(array.values().size());
                for (Object element : array.values()) {
                    elements.add(carrier(elementType, element));
                }
                metadata.put(key, new GgufValue.Array(elementType, elements));
            } else {
                metadata.put(key, new GgufValue.Scalar(type, carrier(type, header.metadata().get(key))));
            }
        });
        List<TensorInfo> tensors = new ArrayList<>(header.tensors().size());
        for (GgufHeader.TensorInfo tensor : header.tensors()) {
            List<Long> dims = new ArrayList<>(tensor.dims().length);
            for (long dim : tensor.dims()) {
                dims.add(dim);
            }
            tensors.add(new TensorInfo(tensor.name(), tensor.type(), dims, tensor.offset()));
        }
        return new GgufFile(path, header.version(), Math.toIntExact(header.alignment()), header.dataOffset(),
                metadata, tensors);
    }

    /** The Java type {@link GgufValue} holds for {@code type}, from the reader's Long, Double, Boolean or String. */
    private static Object carrier(GgufValue.Type type, Object value) {
        return switch (type) {
            case UINT8, INT8, UINT16, INT16, INT32 -> Math.toIntExact((Long) value);
            case UINT32, UINT64, INT64 -> (Long) value;
            case FLOAT32 -> ((Double) value).floatValue();
            case FLOAT64 -> (Double) value;
            case BOOL -> (Boolean) value;
            case STRING -> (String) value;
            case ARRAY -> throw new IllegalArgumentException("nested GGUF arrays are not supported");
        };
    }
}
