package dev.rill.testkit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ReachabilityTest {

    @Test
    void anObjectNothingHoldsIsCollected() throws InterruptedException {
        WeakReference<Object> reference = new WeakReference<>(new Object());
        assertTrue(Reachability.collectedWithin(reference, Duration.ofSeconds(20)));
    }

    @Test
    void anObjectStillHeldIsReportedAfterTheTimeout() throws InterruptedException {
        Object held = new Object();
        WeakReference<Object> reference = new WeakReference<>(held);
        assertFalse(Reachability.collectedWithin(reference, Duration.ofMillis(50)));
        assertTrue(reference.refersTo(held), "still the same object");
    }
}
