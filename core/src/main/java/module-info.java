/**
 * Rill's core: load GGUF models through llama.cpp and stream generated tokens.
 * Only {@code dev.rill} is API; everything under {@code dev.rill.internal} may change in any release.
 */
module dev.rill.core {
    requires transitive dev.rill.samplers;
    requires transitive dev.rill.llama;
    requires dev.rill.jinja;
    requires com.fasterxml.jackson.databind;
    requires org.slf4j;

    exports dev.rill;
}
