/**
 * Rill's benchmarks (JMH suites, the release gate, the soak and the GPU check). The raw decode loop and the
 * sampler and template comparisons measure Rill against its own internals, so the binding and the template
 * renderer open their internal packages to this module by name; nothing else outside core sees them.
 */
module dev.rill.benches {
    requires dev.rill.core;
    requires dev.rill.adapters;
    requires dev.rill.reactor;
    requires dev.rill.server;
    requires dev.rill.testkit;
    requires com.fasterxml.jackson.databind;
    requires jmh.core;
    requires llama;
    requires org.jfree.jfreechart;
    requires java.desktop;
    requires java.management;
    requires java.net.http;
    requires org.reactivestreams;
    requires reactor.core;

}
