package dev.rill.internal.engine;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The platform threads engines run on, reused from one model to the next.
 *
 * <p>Reuse matters to llama.cpp more than to Java: the OpenMP runtime keeps a worker team for every thread that
 * ever called {@code llama_decode}, and once more OpenMP threads exist than cores it stops spin-waiting at its
 * barriers, which made every decode about twice as slow (up to 12 times on 2 busy cores); and the C allocator
 * keeps a heap arena per thread, so a new thread per model grew the resident memory of a process that loads and
 * closes models (measured: 173 MB to about 800 MB over 30 loads, flat with reuse). An idle thread ends after a
 * minute.
 *
 * <p>A thread is back among the idle ones before the engine learns that it stopped ({@code whenReusable}), so a
 * model closed and another loaded at once gets the same thread. The thread that went idle last is reused first.
 */
public final class EngineThreads {
    private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final AtomicInteger COUNT = new AtomicInteger();
    private static final ReentrantLock LOCK = new ReentrantLock();
    /** Idle workers, the one that went idle last at the end; guarded by {@link #LOCK}. */
    private static final ArrayDeque<Worker> IDLE = new ArrayDeque<>();

    private EngineThreads() {
    }

    /**
     * Runs {@code engine} on an idle engine thread, or a new one; once it returned and the thread is idle again,
     * runs {@code whenReusable} on that thread.
     */
    public static void start(Runnable engine, Runnable whenReusable) {
        Task task = new Task(engine, whenReusable);
        LOCK.lock();
        try {
            Worker idle = IDLE.pollLast();
            if (idle != null) {
                idle.task = task;
                idle.handed.signal();
                return;
            }
        } finally {
            LOCK.unlock();
        }
        Thread thread = new Thread(new Worker(task), "rill-engine-thread-" + COUNT.incrementAndGet());
        thread.setDaemon(true);
        thread.start();
    }

    private record Task(Runnable engine, Runnable whenReusable) {
    }

    private static final class Worker implements Runnable {
        private final Condition handed = LOCK.newCondition();
        private Task task; // guarded by LOCK

        Worker(Task first) {
            this.task = first;
        }

        @Override
        public void run() {
            Task current = take();
            while (current != null) {
                try {
                    current.engine().run();
                } catch (Throwable t) {
                    // The engine reports its own failures; this thread must stay usable whatever escaped it.
                    Thread self = Thread.currentThread();
                    self.getUncaughtExceptionHandler().uncaughtException(self, t);
                } finally {
                    Thread.interrupted(); // a flag left by user code must not reach the next engine
                    LOCK.lock();
                    try {
                        IDLE.addLast(this);
                    } finally {
                        LOCK.unlock();
                    }
                    current.whenReusable().run();
                }
                current = awaitTask();
            }
        }

        private Task take() {
            LOCK.lock();
            try {
                Task t = task;
                task = null;
                return t;
            } finally {
                LOCK.unlock();
            }
        }

        /** The next task, or null after a minute without one (the thread then leaves the idle list and ends). */
        private Task awaitTask() {
            LOCK.lock();
            try {
                long nanos = IDLE_NANOS;
                while (task == null) {
                    if (nanos <= 0) {
                        IDLE.remove(this);
                        return null;
                    }
                    try {
                        nanos = handed.awaitNanos(nanos);
                    } catch (InterruptedException e) {
                        // Nothing interrupts engine threads on purpose; keep waiting for work.
                    }
                }
                Task t = task;
                task = null;
                return t;
            } finally {
                LOCK.unlock();
            }
        }
    }
}
