package dev.rill.benches.gate;

/** The outcome of one figure. */
public enum Verdict {
    /** Within the warning threshold. */
    PASS,
    /** Past the warning threshold, within the limit. */
    WARN,
    /** Past the limit. */
    FAIL,
    /** A benchmark the figure needs is not in the results: a failure, never a pass. */
    MISSING
}
