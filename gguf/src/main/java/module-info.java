/**
 * Rill's GGUF files. {@code dev.rill.gguf} reads and writes GGUF files (metadata, tensor infos, F32/F16/Q8_0/Q4_0
 * tensor data), which is what the test kit builds its models with. {@code dev.rill.internal.gguf} is the header
 * reader underneath, with bounded allocations and the checks Rill applies to a model or adapter before llama.cpp
 * opens it; it is exported to the native layer only.
 */
module dev.rill.gguf {
    exports dev.rill.gguf;
    exports dev.rill.internal.gguf to dev.rill.llama;
}
