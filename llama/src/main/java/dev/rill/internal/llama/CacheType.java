package dev.rill.internal.llama;

/** The element type of the KV cache, with ggml's type code. */
public enum CacheType {
    /** 32-bit floats. */
    F32(0),
    /** 16-bit floats, llama.cpp's default. */
    F16(1),
    /** 8-bit blocks; needs flash attention. */
    Q8_0(8);

    private final int ggmlType;

    CacheType(int ggmlType) {
        this.ggmlType = ggmlType;
    }

    /** ggml's {@code enum ggml_type} value. */
    int ggmlType() {
        return ggmlType;
    }
}
