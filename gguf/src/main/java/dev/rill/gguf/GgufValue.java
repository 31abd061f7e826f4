package dev.rill.gguf;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A GGUF metadata value: a scalar of one of the GGUF value types, or an array of one scalar type.
 *
 * <p>Java carriers: {@code UINT8}, {@code INT8}, {@code UINT16}, {@code INT16} and {@code INT32} are {@link Integer};
 * {@code UINT32}, {@code INT64} and {@code UINT64} are {@link Long} ({@code UINT64} as its 64-bit pattern);
 * {@code FLOAT32} is {@link Float}, {@code FLOAT64} {@link Double}, {@code BOOL} {@link Boolean} and {@code STRING}
 * {@link String}. Values are range-checked when they are made.
 */
public sealed interface GgufValue permits GgufValue.Scalar, GgufValue.Array {

    /** The GGUF value types with their on-disk ids. */
    enum Type {
        UINT8(0), INT8(1), UINT16(2), INT16(3), UINT32(4), INT32(5), FLOAT32(6), BOOL(7), STRING(8), ARRAY(9),
        UINT64(10), INT64(11), FLOAT64(12);

        private final int id;

        Type(int id) {
            this.id = id;
        }

        /** The id written in GGUF files. */
        public int id() {
            return id;
        }

        /** The type with the given on-disk id. */
        public static Type ofId(int id) {
            for (Type type : values()) {
                if (type.id == id) {
                    return type;
                }
            }
            throw new IllegalArgumentException("unknown GGUF value type id " + id);
        }

        Object check(Object value) {
            Objects.requireNonNull(value, "GGUF values cannot be null");
            return switch (this) {
                case UINT8 -> intInRange(value, 0, 0xFF);
                case INT8 -> intInRange(value, Byte.MIN_VALUE, Byte.MAX_VALUE);
                case UINT16 -> intInRange(value, 0, 0xFFFF);
                case INT16 -> intInRange(value, Short.MIN_VALUE, Short.MAX_VALUE);
                case INT32 -> intInRange(value, Integer.MIN_VALUE, Integer.MAX_VALUE);
                case UINT32 -> {
                    long v = carrier(value, Long.class);
                    if (v < 0 || v > 0xFFFF_FFFFL) {
                        throw new IllegalArgumentException(v + " is out of range for UINT32");
                    }
                    yield v;
                }
                case UINT64, INT64 -> carrier(value, Long.class);
                case FLOAT32 -> carrier(value, Float.class);
                case FLOAT64 -> carrier(value, Double.class);
                case BOOL -> carrier(value, Boolean.class);
                case STRING -> carrier(value, String.class);
                case ARRAY -> throw new IllegalArgumentException("ARRAY is not a scalar type");
            };
        }

        private Integer intInRange(Object value, long min, long max) {
            int v = carrier(value, Integer.class);
            if (v < min || v > max) {
                throw new IllegalArgumentException(v + " is out of range for " + this);
            }
            return v;
        }

        private <T> T carrier(Object value, Class<T> carrier) {
            if (!carrier.isInstance(value)) {
                throw new IllegalArgumentException(this + " values are carried as " + carrier.getSimpleName()
                        + ", not " + value.getClass().getSimpleName());
            }
            return carrier.cast(value);
        }
    }

    /** A single value of a scalar type. */
    record Scalar(Type type, Object value) implements GgufValue {
        public Scalar {
            Objects.requireNonNull(type, "type");
            value = type.check(value);
        }
    }

    /** An array whose elements all have {@code elementType}, which must be a scalar type. */
    record Array(Type elementType, List<Object> elements) implements GgufValue {
        public Array {
            Objects.requireNonNull(elementType, "elementType");
            List<Object> checked = new ArrayList<>(elements.size());
            for (Object element : elements) {
                checked.add(elementType.check(element));
            }
            elements = List.copyOf(checked);
        }

        @Override
        public Type type() {
            return Type.ARRAY;
        }
    }

    /** The value type; {@link Type#ARRAY} for arrays. */
    Type type();

    /** This value as a long; works for every integer type. */
    default long asLong() {
        if (this instanceof Scalar(var _, Object v) && (v instanceof Integer || v instanceof Long)) {
            return ((Number) v).longValue();
        }
        throw new IllegalStateException("not an integer value: " + this);
    }

    /** This value as a double; works for FLOAT32 and FLOAT64. */
    default double asDouble() {
        if (this instanceof Scalar(var _, Object v) && (v instanceof Float || v instanceof Double)) {
            return ((Number) v).doubleValue();
        }
        throw new IllegalStateException("not a floating-point value: " + this);
    }

    /** This value as a string; works for STRING. */
    default String asString() {
        if (this instanceof Scalar(var _, String v)) {
            return v;
        }
        throw new IllegalStateException("not a string value: " + this);
    }

    /** This value as a boolean; works for BOOL. */
    default boolean asBoolean() {
        if (this instanceof Scalar(var _, Boolean v)) {
            return v;
        }
        throw new IllegalStateException("not a bool value: " + this);
    }

    /** The elements of an array value. */
    default List<Object> asList() {
        if (this instanceof Array(var _, List<Object> elements)) {
            return elements;
        }
        throw new IllegalStateException("not an array value: " + this);
    }

    /** A UINT8 (0 to 255). */
    static GgufValue uint8(int value) {
        return new Scalar(Type.UINT8, value);
    }

    /** An INT8. */
    static GgufValue int8(int value) {
        return new Scalar(Type.INT8, value);
    }

    /** A UINT16 (0 to 65535). */
    static GgufValue uint16(int value) {
        return new Scalar(Type.UINT16, value);
    }

    /** An INT16. */
    static GgufValue int16(int value) {
        return new Scalar(Type.INT16, value);
    }

    /** A UINT32 (0 to 2^32 - 1). */
    static GgufValue uint32(long value) {
        return new Scalar(Type.UINT32, value);
    }

    /** An INT32. */
    static GgufValue int32(int value) {
        return new Scalar(Type.INT32, value);
    }

    /** A UINT64 given by its 64-bit pattern. */
    static GgufValue uint64(long bits) {
        return new Scalar(Type.UINT64, bits);
    }

    /** An INT64. */
    static GgufValue int64(long value) {
        return new Scalar(Type.INT64, value);
    }

    /** A FLOAT32. */
    static GgufValue float32(float value) {
        return new Scalar(Type.FLOAT32, value);
    }

    /** A FLOAT64. */
    static GgufValue float64(double value) {
        return new Scalar(Type.FLOAT64, value);
    }

    /** A BOOL. */
    static GgufValue bool(boolean value) {
        return new Scalar(Type.BOOL, value);
    }

    /** A UTF-8 STRING. */
    static GgufValue string(String value) {
        return new Scalar(Type.STRING, value);
    }

    /** An array of {@code elementType}; elements use the carriers listed on {@link GgufValue}. */
    static GgufValue array(Type elementType, List<?> elements) {
        return new Array(elementType, List.copyOf(elements));
    }

    /** An array of STRING. */
    static GgufValue strings(List<String> elements) {
        return array(Type.STRING, elements);
    }

    /** An array of INT32. */
    static GgufValue int32s(int... elements) {
        List<Object> boxed = new ArrayList<>(elements.length);
        for (int element : elements) {
            boxed.add(element);
        }
        return new Array(Type.INT32, boxed);
    }

    /** An array of FLOAT32. */
    static GgufValue float32s(float... elements) {
        List<Object> boxed = new ArrayList<>(elements.length);
        for (float element : elements) {
            boxed.add(element);
        }
        return new Array(Type.FLOAT32, boxed);
    }
}
