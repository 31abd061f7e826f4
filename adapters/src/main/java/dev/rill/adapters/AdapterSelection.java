package dev.rill.adapters;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * The adapters a request runs with, by name: zero or more registered adapters, each at a scale or at its
 * registered default. Several adapters mix. Immutable; resolved against an {@link AdapterRegistry} when used.
 *
 * <pre>{@code
 * AdapterSelection.none();                            // the base model
 * AdapterSelection.of("formal");                      // at its default scale
 * AdapterSelection.of("formal", 0.7f, "legal", 0.3f); // a mix
 * AdapterSelection.builder().add("formal").add("legal", 0.5f).build();
 * }</pre>
 */
public final class AdapterSelection {
    private static final AdapterSelection NONE = new AdapterSelection(List.of());

    /**
     * One adapter of a selection.
     *
     * @param name  a registered adapter's name
     * @param scale the scale, or empty for the adapter's default
     */
    public record Entry(String name, OptionalDouble scale) {
        /** Checks the name and that the scale is finite. */
        public Entry {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(scale, "scale");
            if (scale.isPresent() && !Double.isFinite(scale.getAsDouble())) {
                throw new IllegalArgumentException("adapter '" + name + "': the scale must be finite, was "
                        + scale.getAsDouble());
            }
        }
    }

    private final List<Entry> entries;

    private AdapterSelection(List<Entry> entries) {
        this.entries = entries;
    }

    /** No adapter: the base model. */
    public static AdapterSelection none() {
        return NONE;
    }

    /** One adapter at its default scale. */
    public static AdapterSelection of(String name) {
        return builder().add(name).build();
    }

    /** One adapter at {@code scale}. */
    public static AdapterSelection of(String name, float scale) {
        return builder().add(name, scale).build();
    }

    /** Two adapters mixed at their scales. */
    public static AdapterSelection of(String first, float firstScale, String second, float secondScale) {
        return builder().add(first, firstScale).add(second, secondScale).build();
    }

    /** A builder for a mix. */
    public static Builder builder() {
        return new Builder();
    }

    /** The adapters, in order. */
    public List<Entry> entries() {
        return entries;
    }

    /** Whether this is the base model alone. */
    public boolean isEmpty() {
        return entries.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AdapterSelection other && other.entries.equals(entries);
    }

    @Override
    public int hashCode() {
        return entries.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("AdapterSelection[");
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            s.append(i == 0 ? "" : ", ").append(e.name());
            if (e.scale().isPresent()) {
                s.append('=').append((float) e.scale().getAsDouble());
            }
        }
        return s.append(']').toString();
    }

    /** Builds an {@link AdapterSelection}; a name may appear once. */
    public static final class Builder {
        private final List<Entry> entries = new ArrayList<>();

        private Builder() {
        }

        /** Adds the adapter {@code name} at its default scale. */
        public Builder add(String name) {
            return add(new Entry(name, OptionalDouble.empty()));
        }

        /** Adds the adapter {@code name} at {@code scale} (finite; 0 is the base model). */
        public Builder add(String name, float scale) {
            return add(new Entry(name, OptionalDouble.of(scale)));
        }

        private Builder add(Entry entry) {
            for (Entry e : entries) {
                if (e.name().equals(entry.name())) {
                    throw new IllegalArgumentException("adapter '" + entry.name() + "' is already in the selection");
                }
            }
            entries.add(entry);
            return this;
        }

        /** The selection. */
        public AdapterSelection build() {
            return entries.isEmpty() ? NONE : new AdapterSelection(Collections.unmodifiableList(new ArrayList<>(entries)));
        }
    }
}
