/**
 * Reactive streams over Rill's engine: a {@link reactor.core.publisher.Flux} of tokens per request, produced only
 * as fast as the subscriber asks for them, and cancellation that ends the native sequence at the next step.
 * Start at {@link dev.rill.reactor.ReactiveModel}.
 */
module dev.rill.reactor {
    requires transitive dev.rill.core;
    requires transitive reactor.core;
    requires transitive org.reactivestreams;

    exports dev.rill.reactor;
}
