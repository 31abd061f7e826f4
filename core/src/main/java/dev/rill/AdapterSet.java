package dev.rill;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The LoRA adapters a generation runs with, each with a scale; several adapters mix. Immutable; two sets are
 * equal when they hold the same adapters with the same scales in the same order.
 *
 * <pre>{@code
 * AdapterSet tone = AdapterSet.of(formal, 1.0f);
 * AdapterSet mix = AdapterSet.builder().add(formal, 0.7f).add(legal, 0.3f).build();
 * }</pre>
 *
 * <p>Scale 0 behaves as the base model; llama.cpp multiplies each adapter's update by
 * {@code scale * alpha / rank}.
 */
public final class AdapterSet {
    private static final AdapterSet NONE = new AdapterSet(List.of());

    /** One adapter of a set. */
    public record Entry(LoraAdapter adapter, float scale) {
        /** Checks the adapter and that the scale is finite. */
        public Entry {
            Objects.requireNonNull(adapter, "adapter");
            if (!Float.isFinite(scale)) {
                throw new IllegalArgumentException("an adapter's scale must be finite, was " + scale);
            }
        }
    }

    private final List<Entry> entries;

    private AdapterSet(List<Entry> entries) {
        this.entries = entries;
    }

    /** The empty set: the base model alone. */
    public static AdapterSet none() {
        return NONE;
    }

    /** One adapter at {@code scale}. */
    public static AdapterSet of(LoraAdapter adapter, float scale) {
        return builder().add(adapter, scale).build();
    }

    /** A builder for a mix. */
    public static Builder builder() {
        return new Builder();
    }

    /** The adapters and their scales, in order. */
    public List<Entry> entries() {
        return entries;
    }

    /** Whether this is the base model alone. */
    public boolean isEmpty() {
        return entries.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof AdapterSet other) || other.entries.size() != entries.size()) {
            return false;
        }
        for (int i = 0; i < entries.size(); i++) {
            Entry a = entries.get(i);
            Entry b = other.entries.get(i);
            if (a.adapter() != b.adapter() || Float.compare(a.scale(), b.scale()) != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = 1;
        for (Entry e : entries) {
            h = 31 * h + System.identityHashCode(e.adapter()) * 17 + Float.hashCode(e.scale());
        }
        return h;
    }

    @Override
    public String toString() {
        return "AdapterSet" + entries;
    }

    /** Builds an {@link AdapterSet}; an adapter may appear once. */
    public static final class Builder {
        private final List<Entry> entries = new ArrayList<>();

        private Builder() {
        }

        /** Adds {@code adapter} at {@code scale} (finite; 0 is the base model). */
        public Builder add(LoraAdapter adapter, float scale) {
            Entry entry = new Entry(adapter, scale);
            for (Entry e : entries) {
                if (e.adapter() == adapter) {
                    throw new IllegalArgumentException(adapter + " is already in the set");
                }
            }
            entries.add(entry);
            return this;
        }

        /** The set. */
        public AdapterSet build() {
            return entries.isEmpty() ? NONE : new AdapterSet(Collections.unmodifiableList(new ArrayList<>(entries)));
        }
    }
}
