package dev.rill.server.internal;

import dev.rill.EngineStats;
import dev.rill.GenerationResult;
import dev.rill.Model;
import dev.rill.adapters.AdapterRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.TimeUnit;

/**
 * The server's Prometheus metrics, through Micrometer: requests by endpoint and status, prompt and generated
 * tokens, time to first token, and the engine's own counters (steps, decode time, queue, active sequences) and the
 * adapters loaded, read from the model and the registry at each scrape.
 */
public final class ServerMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter promptTokens;
    private final Counter generatedTokens;
    private final Timer timeToFirstToken;

    /** Metrics for {@code model} and {@code adapters}. */
    public ServerMetrics(Model model, AdapterRegistry adapters) {
        promptTokens = Counter.builder("rill.tokens.prompt").description("Prompt tokens evaluated for requests")
                .register(registry);
        generatedTokens = Counter.builder("rill.tokens.generated").description("Tokens generated for requests")
                .register(registry);
        timeToFirstToken = Timer.builder("rill.time.to.first.token")
                .description("From a request's submission to its first token").register(registry);
        FunctionCounter.builder("rill.engine.steps", model, m -> m.stats().steps())
                .description("Decode steps the engine ran").register(registry);
        FunctionCounter.builder("rill.engine.decode.time", model, m -> seconds(m.stats()))
                .baseUnit("seconds").description("Time spent in llama_decode; over rill_engine_steps_total it is "
                        + "the mean step time").register(registry);
        Gauge.builder("rill.engine.steps.per.second", model, m -> m.stats().recentStepsPerSecond())
                .description("Decode steps per second in the last window of about one second").register(registry);
        Gauge.builder("rill.queue.requests", model, m -> m.stats().queuedRequests())
                .description("Requests waiting for a sequence slot").register(registry);
        Gauge.builder("rill.sequences.active", model, m -> m.stats().activeSequences())
                .description("Sequences holding a slot").register(registry);
        Gauge.builder("rill.sequences.slots", model, m -> m.stats().parallelSequences())
                .description("Sequence slots").register(registry);
        Gauge.builder("rill.kv.cells.used", model, m -> m.stats().kvCellsInUse())
                .description("KV cache cells in use").register(registry);
        Gauge.builder("rill.adapters.loaded", adapters, a -> a.stats().loaded())
                .description("LoRA adapters in native memory").register(registry);
        Gauge.builder("rill.adapters.registered", adapters, a -> a.stats().registered())
                .description("LoRA adapters registered").register(registry);
    }

    private static double seconds(EngineStats stats) {
        return stats.decodeTime().toNanos() / 1e9;
    }

    /** Counts a request that ended with {@code status}. */
    void request(String endpoint, int status) {
        Counter.builder("rill.requests").description("HTTP requests by endpoint and status")
                .tag("endpoint", endpoint).tag("status", Integer.toString(status)).register(registry).increment();
    }

    /** Records a generation's tokens and time to first token. */
    void generation(GenerationResult result) {
        promptTokens.increment(result.promptTokens());
        generatedTokens.increment(result.generatedTokens());
        if (result.generatedTokens() > 0) {
            timeToFirstToken.record(result.timings().timeToFirstToken().toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** The Prometheus text exposition. */
    String scrape() {
        return registry.scrape();
    }

    /** Frees the meters. */
    public void close() {
        registry.close();
    }
}
