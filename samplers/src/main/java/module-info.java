/**
 * Token samplers for Rill: a view of one sequence's logits goes in, a token comes out.
 * Pure Java with no native code, so every sampler can be replaced or written by the user.
 */
module dev.rill.samplers {
    // Optional: the SIMD loops are used when the JVM runs with --add-modules jdk.incubator.vector.
    requires static jdk.incubator.vector;

    exports dev.rill.sampling;
}
