/**
 * Project Reactor facade over a {@link dev.rill.Model}: {@link dev.rill.reactor.ReactiveModel}.
 */
package dev.rill.reactor;
