package dev.rill.internal.engine;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The platform threads engines run on, reused from one model to the next.
 *
 * <p>Reuse matters to llama.cpp more than to Java: the OpenMP runtime keeps a worker team for every thread that
 * ever called {@code llama_decode}, and once more OpenMP threads exist than cores it stops spin-waiting at its
 * barriers, which made every decode about twice as slow; and the C allocator keeps a heap arena per thread, so a
 * new thread per model grew the resident memory of a process that loads and closes models (measured: 173 MB to
 * about 800 MB over 30 loads, flat with reuse). An idle thread ends after a minute.
 */
final class EngineThreads {
    private static final AtomicInteger COUNT = new AtomicInteger();
    private static final ExecutorService POOL = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
            new SynchronousQueue<>(), task -> {
                Thread thread = new Thread(task, "rill-engine-thread-" + COUNT.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            });

    private EngineThreads() {
    }

    /** Runs {@code engine} on an idle engine thread, or a new one. */
    static void start(Runnable engine) {
        POOL.execute(engine);
    }
}
