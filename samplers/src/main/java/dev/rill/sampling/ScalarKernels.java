package dev.rill.sampling;

import java.util.Arrays;

/** The plain-Java {@link Kernels}: what runs without the Vector API, and the definition the vector code matches. */
final class ScalarKernels extends Kernels {

    @Override
    String name() {
        return "scalar";
    }

    @Override
    float max(float[] v, int n) {
        return Scan.max(v, n);
    }

    @Override
    int argmax(float[] v, int n) {
        return Scan.argmax(v, n);
    }

    @Override
    int nextAbove(float[] v, int from, int to, float min) {
        for (int i = from; i < to; i++) {
            if (!(v[i] <= min)) {
                return i;
            }
        }
        return to;
    }

    @Override
    double expBlocks(float[] v, int n, float top, float scale, float[] out, double[] blockSums) {
        double[] lanes = new double[LANES];
        double total = 0;
        for (int start = 0, b = 0; start < n; start += BLOCK, b++) {
            int end = Math.min(n, start + BLOCK);
            Arrays.fill(lanes, 0);
            for (int i = start; i < end; i++) {
                float w = FastMath.expNonPositive((v[i] - top) * scale);
                if (out != null) {
                    out[i] = w;
                }
                lanes[i & (LANES - 1)] += w;
            }
            double s = 0;
            for (double lane : lanes) {
                s += lane;
            }
            blockSums[b] = s;
            total += s;
        }
        return total;
    }

    @Override
    double sumBlocks(float[] w, int n, double[] blockSums) {
        double[] lanes = new double[LANES];
        double total = 0;
        for (int start = 0, b = 0; start < n; start += BLOCK, b++) {
            int end = Math.min(n, start + BLOCK);
            Arrays.fill(lanes, 0);
            for (int i = start; i < end; i++) {
                lanes[i & (LANES - 1)] += w[i];
            }
            double s = 0;
            for (double lane : lanes) {
                s += lane;
            }
            blockSums[b] = s;
            total += s;
        }
        return total;
    }

    @Override
    double weightedShift(float[] w, float[] v, int n, float top) {
        double[] lanes = new double[LANES];
        double total = 0;
        for (int start = 0; start < n; start += BLOCK) {
            int end = Math.min(n, start + BLOCK);
            Arrays.fill(lanes, 0);
            for (int i = start; i < end; i++) {
                float x = w[i] > 0 ? w[i] * (v[i] - top) : 0f;
                lanes[i & (LANES - 1)] += x;
            }
            double s = 0;
            for (double lane : lanes) {
                s += lane;
            }
            total += s;
        }
        return total;
    }

    @Override
    void negate(float[] v, int n, float[] out) {
        for (int i = 0; i < n; i++) {
            out[i] = -v[i];
        }
    }

    @Override
    void absDiff(float[] v, int n, float c, float[] out) {
        for (int i = 0; i < n; i++) {
            out[i] = Math.abs(c - v[i]);
        }
    }

    @Override
    void keyRange(float[] key, int n, float[] out) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            float k = key[i];
            min = Math.min(min, k);
            if (k != Float.POSITIVE_INFINITY) {
                max = Math.max(max, k);
            }
        }
        out[0] = min;
        out[1] = max;
    }

    @Override
    void massesBelow(float[] key, float[] w, int n, float[] t, int count, double[] out) {
        // fl[j * 16 + lane]; each cell gets its values in ascending i, as the vector lanes do. The thresholds
        // ascend, so a key below t[j] is below every later one: one search per value, not one test per threshold.
        float[] fl = new float[count * LANES];
        double[] dl = new double[count * LANES];
        for (int start = 0; start < n; start += BLOCK) {
            int end = Math.min(n, start + BLOCK);
            Arrays.fill(fl, 0f);
            for (int i = start; i < end; i++) {
                float k = key[i];
                int j = 0;
                while (j < count && !(k < t[j])) {
                    j++;
                }
                float x = w[i];
                for (int cell = j * LANES + (i & (LANES - 1)); cell < count * LANES; cell += LANES) {
                    fl[cell] += x;
                }
            }
            for (int c = 0; c < fl.length; c++) {
                dl[c] += fl[c];
            }
        }
        for (int j = 0; j < count; j++) {
            double s = 0;
            for (int l = 0; l < LANES; l++) {
                s += dl[j * LANES + l];
            }
            out[j] = s;
        }
    }

    @Override
    int compressRange(float[] key, float[] w, int[] pos, int n, float lo, float hi, int[] outPos, float[] outKey,
            float[] outW) {
        int kept = 0;
        for (int i = 0; i < n; i++) {
            float k = key[i];
            if (k >= lo && k < hi) {
                outPos[kept] = pos == null ? i : pos[i];
                outKey[kept] = k;
                outW[kept] = w[i];
                kept++;
            }
        }
        return kept;
    }

    @Override
    int compressBelow(float[] key, float hi, int n, int[] ids, float[] vals, float[] w, int[] outIds,
            float[] outVals, float[] outW) {
        int kept = 0;
        for (int i = 0; i < n; i++) {
            if (key[i] < hi) {
                outIds[kept] = ids == null ? i : ids[i];
                outVals[kept] = vals[i];
                outW[kept] = w[i];
                kept++;
            }
        }
        return kept;
    }

    @Override
    int selectAtLeast(float[] v, int n, float threshold, int[] outIds, float[] outVals) {
        int kept = 0;
        for (int i = 0; i < n; i++) {
            float value = v[i];
            if (value >= threshold) {
                outIds[kept] = i;
                outVals[kept] = value;
                kept++;
            }
        }
        return kept;
    }
}
