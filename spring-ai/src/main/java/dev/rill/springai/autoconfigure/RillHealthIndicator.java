package dev.rill.springai.autoconfigure;

import dev.rill.EngineStats;
import dev.rill.LanguageModel;
import dev.rill.Model;
import java.util.Objects;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * {@code UP} while the model is open, {@code DOWN} once it is closed. Details: the model's path and description
 * and, for an in-process {@link Model}, its engine's active sequences, queued requests and slots.
 */
public final class RillHealthIndicator implements HealthIndicator {
    private final LanguageModel model;

    /** A health indicator for {@code model}. */
    public RillHealthIndicator(LanguageModel model) {
        this.model = Objects.requireNonNull(model, "model");
    }

    @Override
    public Health health() {
        if (model.isClosed()) {
            return Health.down().withDetail("model", model.toString()).withDetail("reason", "closed").build();
        }
        Health.Builder health = Health.up()
                .withDetail("model", model.info().path().toString())
                .withDetail("description", model.info().description());
        if (model instanceof Model local) {
            EngineStats stats = local.stats();
            health.withDetail("activeSequences", stats.activeSequences())
                    .withDetail("queuedRequests", stats.queuedRequests())
                    .withDetail("parallelSequences", stats.parallelSequences());
        }
        return health.build();
    }
}
