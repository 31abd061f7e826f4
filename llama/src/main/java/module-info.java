/**
 * llama.cpp through Java's FFM API, for the two releases Rill speaks (the current one and b4916): finding and
 * loading the library, reading which release it is, checking its struct layouts, one downcall per C function,
 * and one owner per native object. {@code dev.rill.llama} holds the few types Rill's API shows
 * ({@link dev.rill.llama.LlamaProfile}, {@link dev.rill.llama.NativeRuntime}); the binding itself is exported to
 * Rill's core only.
 */
module dev.rill.llama {
    requires dev.rill.gguf;
    requires org.slf4j;

    exports dev.rill.llama;
    exports dev.rill.internal.llama to dev.rill.core;
}
