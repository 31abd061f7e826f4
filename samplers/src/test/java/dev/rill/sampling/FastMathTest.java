package dev.rill.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FastMathTest {

    @Test
    void matchesExpWithinTwoTenthsOfAMillionth() {
        double worst = 0;
        for (int i = 0; i <= 870_000; i++) {
            float x = -i / 10_000f;
            double exact = Math.exp(x);
            double error = Math.abs(FastMath.expNonPositive(x) - exact) / exact;
            worst = Math.max(worst, error);
        }
        assertTrue(worst < 2e-7, "worst relative error " + worst);
    }

    @Test
    void handlesTheEnds() {
        assertEquals(1f, FastMath.expNonPositive(0f));
        assertEquals(1f, FastMath.expNonPositive(-0f));
        assertEquals(0f, FastMath.expNonPositive(-88f));
        assertEquals(0f, FastMath.expNonPositive(Float.NEGATIVE_INFINITY));
    }
}
