/** Writes and reads GGUF models and LoRA adapters whose behaviour is known by construction. */
module dev.rill.testkit {
    exports dev.rill.testkit;
}
