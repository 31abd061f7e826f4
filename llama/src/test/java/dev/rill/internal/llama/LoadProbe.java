package dev.rill.internal.llama;


/** Run in a child JVM by {@link NativeLibraryLoadingTest}: loads llama.cpp once and reports how it went. */
public final class LoadProbe {
    private LoadProbe() {
    }

    public static void main(String[] args) {
        try {
            LlamaRuntime.initialize(null, null);
            System.out.println("LOADED " + LlamaRuntime.describe());
            var runtime = LlamaRuntime.runtime();
            System.out.println("PROFILE " + runtime.profile().label());
            System.out.println("CPU " + runtime.cpuVariant().orElse("-"));
            System.out.println("DEVICES " + runtime.devices());
        } catch (LlamaLibraryException e) {
            System.out.println("FAILED " + e.getMessage());
            System.exit(3);
        }
    }
}
