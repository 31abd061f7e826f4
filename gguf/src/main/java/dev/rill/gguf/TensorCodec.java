package dev.rill.gguf;

import java.nio.ByteBuffer;

/** Encodes rows of floats into ggml tensor bytes and back. */
final class TensorCodec {
    static final float F16_MAX = 65504f;

    private TensorCodec() {
    }

    /**
     * Appends one row to {@code out}, which must have {@code type.rowBytes(row.length)} bytes left and be
     * little-endian.
     */
    static void encodeRow(GgmlType type, float[] row, ByteBuffer out) {
        switch (type) {
            case F32 -> {
                for (float value : row) {
                    out.putFloat(value);
                }
            }
            case F16 -> {
                for (float value : row) {
                    out.putShort(toF16(value));
                }
            }
            case Q4_0 -> {
                for (int start = 0; start < row.length; start += 32) {
                    encodeQ4Block(row, start, out);
                }
            }
            case Q8_0 -> {
                for (int start = 0; start < row.length; start += 32) {
                    encodeQ8Block(row, start, out);
                }
            }
        }
    }

    /** Decodes {@code count} values of {@code type} from the little-endian buffer {@code in}. */
    static float[] decode(GgmlType type, ByteBuffer in, int count) {
        float[] values = new float[count];
        switch (type) {
            case F32 -> {
                for (int i = 0; i < count; i++) {
                    values[i] = in.getFloat();
                }
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    values[i] = Float.float16ToFloat(in.getShort());
                }
            }
            case Q4_0 -> {
                for (int start = 0; start < count; start += 32) {
                    float d = Float.float16ToFloat(in.getShort());
                    for (int j = 0; j < 16; j++) {
                        int packed = in.get() & 0xff;
                        values[start + j] = d * ((packed & 0x0f) - 8);
                        values[start + j + 16] = d * ((packed >>> 4) - 8);
                    }
                }
            }
            case Q8_0 -> {
                for (int start = 0; start < count; start += 32) {
                    float d = Float.float16ToFloat(in.getShort());
                    for (int j = 0; j < 32; j++) {
                        values[start + j] = d * in.get();
                    }
                }
            }
        }
        return values;
    }

    static short toF16(float value) {
        if (!Float.isFinite(value) || Math.abs(value) > F16_MAX) {
            throw new IllegalArgumentException(value + " cannot be stored as F16");
        }
        return Float.floatToFloat16(value);
    }

    /**
     * One Q4_0 block: the scale maps the value of largest magnitude to -8, and value j of the block's first half
     * shares byte j with value j of its second half (low and high nibble), each stored as q + 8 in [0, 15].
     */
    private static void encodeQ4Block(float[] row, int start, ByteBuffer out) {
        float extreme = 0f;
        for (int j = 0; j < 32; j++) {
            float value = row[start + j];
            if (!Float.isFinite(value)) {
                throw new IllegalArgumentException(value + " cannot be quantized to Q4_0");
            }
            if (Math.abs(value) > Math.abs(extreme)) {
                extreme = value;
            }
        }
        float d = extreme / -8f;
        float inverse = d != 0f ? 1f / d : 0f;
        out.putShort(toF16(d));
        for (int j = 0; j < 16; j++) {
            int low = Math.min(15, (int) (row[start + j] * inverse + 8.5f));
            int high = Math.min(15, (int) (row[start + j + 16] * inverse + 8.5f));
            out.put((byte) (low | (high << 4)));
        }
    }

    private static void encodeQ8Block(float[] row, int start, ByteBuffer out) {
        float amax = 0f;
        for (int j = 0; j < 32; j++) {
            float value = row[start + j];
            if (!Float.isFinite(value)) {
                throw new IllegalArgumentException(value + " cannot be quantized to Q8_0");
            }
            amax = Math.max(amax, Math.abs(value));
        }
        float d = amax / 127f;
        float inverse = d != 0f ? 1f / d : 0f;
        out.putShort(toF16(d));
        for (int j = 0; j < 32; j++) {
            float scaled = row[start + j] * inverse;
            // round half away from zero, like C's roundf; exact in double for |scaled| <= 127
            double rounded = Math.copySign(Math.floor(Math.abs((double) scaled) + 0.5), scaled);
            out.put((byte) rounded);
        }
    }
}
