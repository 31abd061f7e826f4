package dev.rill;

import java.time.Duration;

/**
 * Where a generation's time went, measured on the engine's clock.
 *
 * @param queued from submission until the engine took the request
 * @param timeToFirstToken from submission until the first token reached the callback
 * @param promptEvaluation from the first prompt chunk's decode until the prompt was evaluated
 * @param generation from the first token until the last
 * @param total from submission until the end
 * @param promptTokensPerSecond prompt tokens over {@code promptEvaluation}
 * @param generatedTokensPerSecond tokens after the first over {@code generation}; 0 with fewer than two tokens
 */
public record Timings(Duration queued, Duration timeToFirstToken, Duration promptEvaluation, Duration generation,
                      Duration total, double promptTokensPerSecond, double generatedTokensPerSecond) {
}
