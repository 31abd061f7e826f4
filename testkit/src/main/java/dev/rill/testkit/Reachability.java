package dev.rill.testkit;

import java.lang.ref.Reference;
import java.time.Duration;

/**
 * Checks that an object became unreachable, for tests that pin "nothing keeps this after it ended" (a callback
 * after its generation, a subscriber after its cancel): hold it only through a weak reference, then ask here.
 */
public final class Reachability {
    private Reachability() {
    }

    /**
     * Runs collections until {@code reference} is cleared or {@code timeout} has passed; true when cleared. It
     * returns as soon as one collection clears the reference, so only an object that stays reachable waits for
     * the whole timeout.
     */
    public static boolean collectedWithin(Reference<?> reference, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!reference.refersTo(null)) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            System.gc();
            Thread.sleep(10);
        }
        return true;
    }
}
