/**
 * An OpenAI-compatible HTTP server for a Rill {@link dev.rill.Model}, on Reactor Netty: chat and text completions
 * streamed as server-sent events, embeddings, models, LoRA adapters per request and at run time, health and
 * Prometheus metrics, and Anthropic's Messages API. Start at {@link dev.rill.server.RillServer}.
 */
module dev.rill.server {
    requires transitive dev.rill.core;
    requires transitive dev.rill.adapters;
    requires dev.rill.reactor;
    requires reactor.core;
    requires org.reactivestreams;
    requires reactor.netty.core;
    requires reactor.netty.http;
    requires io.netty.buffer;
    requires io.netty.codec.http;
    requires io.netty.common;
    requires io.netty.transport;
    requires micrometer.core;
    requires micrometer.registry.prometheus;
    requires com.fasterxml.jackson.databind;
    requires org.slf4j;

    exports dev.rill.server;
}
