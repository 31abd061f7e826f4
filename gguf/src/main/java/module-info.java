/**
 * Rill's GGUF reader: the header of a model or adapter file (metadata and tensor table), read and checked in Java
 * with bounded allocations before llama.cpp opens the file. Internal to Rill: its package is exported to the
 * native layer only.
 */
module dev.rill.gguf {
    exports dev.rill.internal.gguf to dev.rill.llama;
}
