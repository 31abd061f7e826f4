/**
 * A registry of LoRA adapters for one {@link dev.rill.Model}: adapters registered by name, loaded lazily or
 * eagerly, kept in a cache bounded by native bytes, picked (or mixed) per request and switched mid-stream.
 */
module dev.rill.adapters {
    requires transitive dev.rill.core;
    requires com.github.benmanes.caffeine;
    requires com.fasterxml.jackson.databind;
    requires org.slf4j;

    exports dev.rill.adapters;
}
