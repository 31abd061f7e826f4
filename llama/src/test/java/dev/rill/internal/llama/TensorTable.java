package dev.rill.internal.llama;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The tensor table of a GGUF file as positions in its bytes, so that {@link HostileTensorsTest} can change a
 * tensor's type, dimensions or offset, or its data, in place: the file keeps its layout (header length, data
 * start), which is what lets a change pass Java's structural checks and reach llama.cpp.
 */
final class TensorTable {
    /** One tensor's info and where its fields are. */
    record Entry(String name, int dimsAt, long[] dims, int typeAt, int type, int offsetAt, long offset) {
    }

    private final byte[] bytes;
    private final List<Entry> entries;
    private final long dataStart;

    private TensorTable(byte[] bytes, List<Entry> entries, long dataStart) {
        this.bytes = bytes;
        this.entries = entries;
        this.dataStart = dataStart;
    }

    static TensorTable read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        in.position(8); // magic, version
        long tensors = in.getLong();
        long kvs = in.getLong();
        long alignment = 32;
        for (long i = 0; i < kvs; i++) {
            String key = string(in);
            int type = in.getInt();
            if (key.equals("general.alignment") && type == 4) {
                alignment = Integer.toUnsignedLong(in.getInt(in.position()));
            }
            skipValue(in, type);
        }
        List<Entry> entries = new ArrayList<>();
        for (long i = 0; i < tensors; i++) {
            String name = string(in);
            int n = in.getInt();
            int dimsAt = in.position();
            long[] dims = new long[n];
            for (int d = 0; d < n; d++) {
                dims[d] = in.getLong();
            }
            int typeAt = in.position();
            int type = in.getInt();
            int offsetAt = in.position();
            long offset = in.getLong();
            entries.add(new Entry(name, dimsAt, dims, typeAt, type, offsetAt, offset));
        }
        long dataStart = (in.position() + alignment - 1) / alignment * alignment;
        return new TensorTable(bytes, entries, dataStart);
    }

    List<Entry> entries() {
        return entries;
    }

    void setType(Entry e, int type) {
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(e.typeAt(), type);
    }

    void setDims(Entry e, long[] dims) {
        if (dims.length != e.dims().length) {
            throw new IllegalArgumentException("the number of dimensions must stay " + e.dims().length);
        }
        ByteBuffer out = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int d = 0; d < dims.length; d++) {
            out.putLong(e.dimsAt() + 8 * d, dims[d]);
        }
    }

    void setOffset(Entry e, long offset) {
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(e.offsetAt(), offset);
    }

    /** Sets the {@code index}th float of an F32 tensor's data. */
    void setFloat(Entry e, long index, float value) {
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putFloat((int) (dataStart + e.offset() + 4 * index), value);
    }

    void write(Path file) throws IOException {
        Files.write(file, bytes);
    }

    private static String string(ByteBuffer in) {
        int length = (int) in.getLong();
        byte[] text = new byte[length];
        in.get(text);
        return new String(text, StandardCharsets.UTF_8);
    }

    private static void skipValue(ByteBuffer in, int type) {
        switch (type) {
            case 0, 1, 7 -> in.position(in.position() + 1);
            case 2, 3 -> in.position(in.position() + 2);
            case 4, 5, 6 -> in.position(in.position() + 4);
            case 10, 11, 12 -> in.position(in.position() + 8);
            case 8 -> string(in);
            case 9 -> {
                int elementType = in.getInt();
                long count = in.getLong();
                for (long i = 0; i < count; i++) {
                    skipValue(in, elementType);
                }
            }
            default -> throw new IllegalArgumentException("unknown GGUF value type " + type);
        }
    }
}
