package dev.rill.internal.llama;

import dev.rill.internal.gguf.GgufHeader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Owns one {@code llama_adapter_lora}, freed exactly once when its last reference goes.
 *
 * <p>References: the owner's (from {@link #load}, dropped by {@link #release()} when the owner closes it), one
 * per running sequence that uses the adapter and one per context that has it attached (both taken and dropped
 * by the engine). So closing an adapter that a stream still uses defers the free until the stream ends and the
 * engine has detached it; the native adapter is never freed while a context points at it. The model must
 * outlive its adapters: {@link LlamaModelHandle#close()} frees the ones left.
 */
public final class LlamaAdapterHandle {
    private final LlamaModelHandle model;
    private final Path path;
    private final long tensorBytes;
    private final AtomicInteger references = new AtomicInteger(1);
    private volatile MemorySegment adapter;

    private LlamaAdapterHandle(LlamaModelHandle model, Path path, long tensorBytes, MemorySegment adapter) {
        this.model = model;
        this.path = path;
        this.tensorBytes = tensorBytes;
        this.adapter = adapter;
    }

    /**
     * Loads a LoRA adapter for {@code model}.
     *
     * @throws LlamaFileException with llama.cpp's reason when the file is missing, not an adapter, or made for
     *     another base model
     */
    public static LlamaAdapterHandle load(LlamaModelHandle model, Path path) {
        GgufHeader header = AdapterCheck.check(model.header(), path);
        long bytes = header.tensorBytes();
        MemorySegment loaded = model.withModel(pointer -> {
            try (Arena arena = Arena.ofConfined()) {
                NativeLog.clearRecent();
                return Llama.adapterLoraInit(pointer, arena.allocateFrom(path.toString()));
            }
        });
        if (loaded.equals(MemorySegment.NULL)) {
            throw new LlamaFileException(path, NativeLog.withRecent("llama.cpp refused the LoRA adapter " + path
                    + " for the model " + model.path().getFileName()));
        }
        LlamaAdapterHandle handle = new LlamaAdapterHandle(model, path, bytes, loaded);
        model.track(handle);
        return handle;
    }

    /**
     * Checks an adapter file against {@code model} without loading it.
     *
     * @return the bytes of its tensors
     * @throws LlamaFileException naming the file and the mismatch
     */
    public static long check(LlamaModelHandle model, Path path) {
        return AdapterCheck.check(model.header(), path).tensorBytes();
    }

    /** The file it came from. */
    public Path path() {
        return path;
    }

    /** Bytes of the adapter's tensors (what it occupies in memory once loaded). */
    public long tensorBytes() {
        return tensorBytes;
    }

    /** The model it was loaded for. */
    public LlamaModelHandle model() {
        return model;
    }

    /** Takes a reference; false when the adapter is already freed or on its way (its owner closed it). */
    public boolean retain() {
        while (true) {
            int n = references.get();
            if (n <= 0) {
                return false;
            }
            if (references.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Drops a reference, freeing the native adapter with the last one. */
    public void release() {
        if (references.decrementAndGet() == 0) {
            free();
        }
    }

    /** References held by sequences and contexts (the owner's not counted). */
    public int users() {
        return Math.max(0, references.get() - (ownerReleased ? 0 : 1));
    }

    private volatile boolean ownerReleased;

    /** The owner's release: call once; later calls do nothing. */
    public synchronized void releaseOwner() {
        if (!ownerReleased) {
            ownerReleased = true;
            release();
        }
    }

    /** Whether the owner closed it (it may still be in use until its users finish). */
    public boolean isClosed() {
        return ownerReleased;
    }

    /** Whether the native adapter was freed. */
    public boolean isFreed() {
        return adapter == null;
    }

    /** The native pointer, for the engine; only while it holds a reference. */
    MemorySegment pointer() {
        MemorySegment a = adapter;
        if (a == null) {
            throw new IllegalStateException("the adapter " + path + " was freed");
        }
        return a;
    }

    /** Frees now, whatever the count: only for the model's close, after its engine stopped. */
    synchronized void free() {
        MemorySegment a = adapter;
        if (a != null) {
            adapter = null;
            references.set(0);
            Llama.adapterLoraFree(a);
            model.untrack(this);
        }
    }

    @Override
    public String toString() {
        return "LoraAdapter[" + path + "]";
    }
}
