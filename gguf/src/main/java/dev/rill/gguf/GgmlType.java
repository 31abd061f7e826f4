package dev.rill.gguf;

/**
 * The tensor data types this kit writes, with their ggml ids and block layout.
 *
 * <p>{@code Q8_0} stores blocks of 32 values: an F16 scale {@code d = max|x| / 127} followed by 32 signed bytes
 * {@code round(x / d)} (rounding half away from zero, as ggml's reference quantizer does).
 */
public enum GgmlType {
    /** 32-bit IEEE floats. */
    F32(0, 1, 4),
    /** 16-bit IEEE floats, rounded to nearest even. */
    F16(1, 1, 2),
    /**
     * 4-bit quants in blocks of 32 sharing an F16 scale (value = scale * (q - 8)), the most common format of
     * published models; llama.cpp's CPU backend repacks it for its batched matrix kernels.
     */
    Q4_0(2, 32, 18),
    /** 8-bit quants in blocks of 32 sharing an F16 scale. */
    Q8_0(8, 32, 34);

    private final int id;
    private final int blockSize;
    private final int bytesPerBlock;

    GgmlType(int id, int blockSize, int bytesPerBlock) {
        this.id = id;
        this.blockSize = blockSize;
        this.bytesPerBlock = bytesPerBlock;
    }

    /** The ggml type id written in tensor infos. */
    public int id() {
        return id;
    }

    /** How many values one block holds; rows must be a multiple of it. */
    public int blockSize() {
        return blockSize;
    }

    /** The bytes of one row of {@code rowLength} values. */
    public long rowBytes(long rowLength) {
        if (rowLength % blockSize != 0) {
            throw new IllegalArgumentException(
                    this + " rows must be a multiple of " + blockSize + " values, got " + rowLength);
        }
        return rowLength / blockSize * bytesPerBlock;
    }

    /** The type with the given ggml id, if this kit supports it. */
    public static GgmlType ofId(int id) {
        for (GgmlType type : values()) {
            if (type.id == id) {
                return type;
            }
        }
        throw new IllegalArgumentException("unsupported ggml type id " + id);
    }
}
