package dev.rill.internal.llama;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Owns one {@code ggml_threadpool} of the CPU backend: worker threads that live as long as their context, so that
 * a decode hands its graph to waiting threads instead of starting and joining new ones.
 *
 * <p>The current release's CPU backends are built without OpenMP: with no pool attached, every graph computation
 * creates a pool of {@code n_threads - 1} threads and joins them before it returns, which costs a noticeable share
 * of a small model's decode step. b4916 is built with OpenMP, whose thread team already persists, so it gets none.
 *
 * <p>The pool functions live in the CPU backend, a library loaded at run time, and are found through the backend
 * registry ({@code ggml_backend_reg_get_proc_address}), as llama.cpp's own tools do. Not thread-safe: the engine
 * thread that creates a context creates, attaches and frees its pool.
 */
final class CpuThreadpool implements AutoCloseable {
    /** {@code GGML_BACKEND_DEVICE_TYPE_CPU}. */
    private static final int DEVICE_TYPE_CPU = 0;
    /** {@code sizeof(struct ggml_threadpool_params)}: a 512-byte CPU mask, three 32-bit fields, two bools, padding. */
    private static final long PARAMS_SIZE = 528;

    private static final Linker LINKER = Linker.nativeLinker();
    // ggml_backend_dev_t ggml_backend_dev_by_type(enum ggml_backend_dev_type type);
    private static final MethodHandle DEV_BY_TYPE =
            Llama.downcall("ggml_backend_dev_by_type", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    // ggml_backend_reg_t ggml_backend_dev_backend_reg(ggml_backend_dev_t device);
    private static final MethodHandle DEV_BACKEND_REG =
            Llama.downcall("ggml_backend_dev_backend_reg", FunctionDescriptor.of(ADDRESS, ADDRESS));
    // void * ggml_backend_reg_get_proc_address(ggml_backend_reg_t reg, const char * name);
    private static final MethodHandle REG_PROC_ADDRESS =
            Llama.downcall("ggml_backend_reg_get_proc_address", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    // void ggml_threadpool_params_init(struct ggml_threadpool_params * p, int n_threads);
    private static final MethodHandle PARAMS_INIT =
            Llama.downcall("ggml_threadpool_params_init", FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT));
    // void llama_attach_threadpool(struct llama_context * ctx, ggml_threadpool_t threadpool, ggml_threadpool_t batch);
    private static final MethodHandle ATTACH =
            Llama.downcall("llama_attach_threadpool", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, ADDRESS));
    // void llama_detach_threadpool(struct llama_context * ctx);
    private static final MethodHandle DETACH = Llama.downcall("llama_detach_threadpool", FunctionDescriptor.ofVoid(ADDRESS));

    /** The CPU backend's pool functions, or null where it has none (no CPU backend loaded, or a build without). */
    private static final PoolFunctions FUNCTIONS = PoolFunctions.find();

    private record PoolFunctions(MethodHandle create, MethodHandle free) {
        static PoolFunctions find() {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment device = (MemorySegment) DEV_BY_TYPE.invokeExact(DEVICE_TYPE_CPU);
                if (device.equals(MemorySegment.NULL)) {
                    return null;
                }
                MemorySegment reg = (MemorySegment) DEV_BACKEND_REG.invokeExact(device);
                MemorySegment create = (MemorySegment) REG_PROC_ADDRESS.invokeExact(reg, arena.allocateFrom("ggml_threadpool_new"));
                MemorySegment free = (MemorySegment) REG_PROC_ADDRESS.invokeExact(reg, arena.allocateFrom("ggml_threadpool_free"));
                if (create.equals(MemorySegment.NULL) || free.equals(MemorySegment.NULL)) {
                    return null;
                }
                // ggml_threadpool_t ggml_threadpool_new(struct ggml_threadpool_params * params);
                // void ggml_threadpool_free(ggml_threadpool_t threadpool);
                return new PoolFunctions(
                        LINKER.downcallHandle(create, FunctionDescriptor.of(ADDRESS, ADDRESS)),
                        LINKER.downcallHandle(free, FunctionDescriptor.ofVoid(ADDRESS)));
            } catch (Throwable t) {
                throw Llama.rethrow(t);
            }
        }
    }

    private MemorySegment pool;
    private MemorySegment attachedTo;

    private CpuThreadpool(MemorySegment pool) {
        this.pool = pool;
    }

    /**
     * Starts a pool of {@code threads} threads (the calling thread counts as one of them while it computes).
     *
     * @return the pool, or null when the loaded CPU backend offers none
     * @throws LlamaCallException when ggml could not start the threads
     */
    static CpuThreadpool start(int threads) {
        if (FUNCTIONS == null) {
            return null;
        }
        if (threads < 1) {
            throw new IllegalArgumentException("a thread pool needs at least one thread, not " + threads);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = arena.allocate(PARAMS_SIZE, 4);
            PARAMS_INIT.invokeExact(params, threads);
            MemorySegment pool = (MemorySegment) FUNCTIONS.create().invokeExact(params);
            if (pool.equals(MemorySegment.NULL)) {
                throw new LlamaCallException(NativeLog.withRecent("ggml could not start a pool of " + threads + " threads"));
            }
            return new CpuThreadpool(pool);
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    /** Makes {@code context} compute every graph, single tokens and prompt batches alike, on this pool. */
    void attachTo(MemorySegment context) {
        if (pool == null) {
            throw new IllegalStateException("the thread pool is freed");
        }
        try {
            ATTACH.invokeExact(context, pool, MemorySegment.NULL);
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
        attachedTo = context;
    }

    /** Detaches the pool from its context, if attached; call it before freeing the context. */
    void detach() {
        if (attachedTo != null) {
            try {
                DETACH.invokeExact(attachedTo);
            } catch (Throwable t) {
                throw Llama.rethrow(t);
            }
            attachedTo = null;
        }
    }

    /** Stops and joins the threads once. Detach first: a context must not compute on a freed pool. */
    @Override
    public void close() {
        if (pool != null) {
            if (attachedTo != null) {
                throw new IllegalStateException("the thread pool is still attached to a context");
            }
            try {
                FUNCTIONS.free().invokeExact(pool);
            } catch (Throwable t) {
                throw Llama.rethrow(t);
            }
            pool = null;
        }
    }
}
