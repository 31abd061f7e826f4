/** Writes GGUF models and LoRA adapters whose behaviour is known by construction, through {@code dev.rill.gguf}. */
module dev.rill.testkit {
    requires transitive dev.rill.gguf;
    requires jdk.httpserver;

    exports dev.rill.testkit;
}
