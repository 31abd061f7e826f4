package dev.rill.adapters;

/** When a registered adapter is loaded into llama.cpp. */
public enum LoadPolicy {
    /** On first use (the default). */
    LAZY,
    /** When it is registered; a failure then refuses the registration. */
    EAGER
}
