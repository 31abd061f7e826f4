package dev.rill;

/** The element type of the attention key/value cache. */
public enum KvCacheType {
    /** 16-bit floats: llama.cpp's default, good everywhere. */
    F16,
    /** 32-bit floats: twice the memory of F16; cannot be combined with flash attention on the CPU. */
    F32,
    /** 8-bit blocks: about half of F16's memory; needs flash attention and heads whose size is a multiple of 32. */
    Q8_0
}
