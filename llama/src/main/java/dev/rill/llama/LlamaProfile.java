package dev.rill.llama;

import java.util.Locale;

/**
 * The llama.cpp releases Rill speaks. A JVM loads one llama.cpp library, and the profile is read from that
 * library (the functions it exports and the struct layouts it writes), never guessed from a file name; asking for
 * a profile ({@link ModelOptions.Builder#llamaProfile}, {@code -Drill.llama.profile}, {@code ./rill --llama})
 * chooses which distribution is loaded and fails clearly when the library found is of the other release.
 *
 * <p>Everything Rill offers works on both, unless its documentation says otherwise.
 */
public enum LlamaProfile {
    /**
     * The current release (llama.cpp v0.4.0, September 2026), from the {@code dev.rill:rill-native-*} jars: the
     * default. Loads every architecture of 2026 (Qwen3, Gemma 3, gpt-oss, ...) and picks the best CPU backend
     * for the processor at run time; CUDA, Vulkan and Metal come from opt-in jars.
     */
    CURRENT("current"),
    /**
     * Tag b4916 (March 2025), the library inside {@code de.kherud:llama:4.2.0}. Kept for applications that
     * depend on it; it cannot load architectures added after March 2025.
     */
    B4916("b4916");

    private final String label;

    LlamaProfile(String label) {
        this.label = label;
    }

    /** The short name used by the command line and the system property: {@code current} or {@code b4916}. */
    public String label() {
        return label;
    }

    /**
     * The profile named {@code name} ({@code current} or {@code b4916}, any case).
     *
     * @throws IllegalArgumentException for any other name
     */
    public static LlamaProfile fromLabel(String name) {
        String wanted = name.strip().toLowerCase(Locale.ROOT);
        for (LlamaProfile profile : values()) {
            if (profile.label.equals(wanted)) {
                return profile;
            }
        }
        throw new IllegalArgumentException("unknown llama.cpp profile \"" + name + "\": use current or b4916");
    }
}
