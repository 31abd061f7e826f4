/**
 * Project Reactor facade over a {@link dev.rill.LanguageModel} (such as an in-process {@link dev.rill.Model}): {@link dev.rill.reactor.ReactiveModel}.
 */
package dev.rill.reactor;
