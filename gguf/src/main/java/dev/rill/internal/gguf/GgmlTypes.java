package dev.rill.internal.gguf;

/** Block sizes of ggml's tensor types at llama.cpp b4916 (measured with sizeof on its block structs). */
public final class GgmlTypes {
    private GgmlTypes() {
    }

    // {type code, elements per block, bytes per block}
    private static final int[][] TABLE = {
        {0, 1, 4}, {1, 1, 2}, {2, 32, 18}, {3, 32, 20}, {6, 32, 22}, {7, 32, 24}, {8, 32, 34}, {9, 32, 36},
        {10, 256, 84}, {11, 256, 110}, {12, 256, 144}, {13, 256, 176}, {14, 256, 210}, {15, 256, 292},
        {16, 256, 66}, {17, 256, 74}, {18, 256, 98}, {19, 256, 50}, {20, 32, 18}, {21, 256, 110}, {22, 256, 82},
        {23, 256, 136}, {24, 1, 1}, {25, 1, 2}, {26, 1, 4}, {27, 1, 8}, {28, 1, 8}, {29, 256, 56}, {30, 1, 2},
        {34, 256, 54}, {35, 256, 66},
    };

    /** Types ggml's CPU matrix product cannot take as its weight operand: integers, F64, Q8_1, Q8_K. */
    private static final int[] NOT_MULTIPLIABLE = {9, 15, 24, 25, 26, 27, 28};

    /**
     * Whether {@code type} is one ggml knows but cannot multiply by (integers, F64, Q8_1, Q8_K): a weight of it
     * loads and then ends the process at the first decode.
     */
    public static boolean knownNotMultipliable(int type) {
        for (int t : NOT_MULTIPLIABLE) {
            if (t == type) {
                return true;
            }
        }
        return false;
    }

    /** Whether a LoRA matrix may have {@code type}: a known float or quantized type ggml multiplies. */
    public static boolean multipliable(int type) {
        for (int t : NOT_MULTIPLIABLE) {
            if (t == type) {
                return false;
            }
        }
        return bytes(type, 256) > 0;
    }

    /** A readable name for a type code. */
    public static String name(int type) {
        return switch (type) {
            case 0 -> "F32";
            case 1 -> "F16";
            case 8 -> "Q8_0";
            case 9 -> "Q8_1";
            case 15 -> "Q8_K";
            case 24 -> "I8";
            case 25 -> "I16";
            case 26 -> "I32";
            case 27 -> "I64";
            case 28 -> "F64";
            case 30 -> "BF16";
            default -> "type " + type;
        };
    }

    /** Elements per block of {@code type}, or -1 for a type this table does not know. */
    static long blockElements(int type) {
        for (int[] row : TABLE) {
            if (row[0] == type) {
                return row[1];
            }
        }
        return -1;
    }

    /**
     * Bytes of {@code elements} values of {@code type}, or -1 for an unknown type, a partial block, or a size over
     * {@link Long#MAX_VALUE}.
     */
    static long bytes(int type, long elements) {
        for (int[] row : TABLE) {
            if (row[0] == type) {
                if (elements < 0 || elements % row[1] != 0) {
                    return -1;
                }
                long blocks = elements / row[1];
                return blocks > Long.MAX_VALUE / row[2] ? -1 : blocks * row[2];
            }
        }
        return -1;
    }
}
