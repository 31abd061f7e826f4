package dev.rill.adapters;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.rill.AdapterLoadException;
import dev.rill.AdapterSet;
import dev.rill.Demand;
import dev.rill.Generation;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.LoraAdapter;
import dev.rill.Model;
import dev.rill.TokenCallback;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The LoRA adapters of one {@link Model}, by name: registered at run time from GGUF files, loaded into llama.cpp
 * lazily on first use (or eagerly), kept in a cache bounded by their native bytes, and picked, mixed or switched
 * per request with an {@link AdapterSelection}. Registering or removing an adapter never touches the model or a
 * running generation.
 *
 * <pre>{@code
 * try (AdapterRegistry adapters = AdapterRegistry.create(model, 512L << 20)) {
 *     adapters.register("formal", Path.of("formal.gguf"), 0.8f);
 *     adapters.register("legal", Path.of("legal.gguf"));
 *     Generation g = adapters.submit(GenerationRequest.builder(prompt), AdapterSelection.of("formal"), callback);
 *     adapters.switchAdapters(g, AdapterSelection.of("formal", 0.5f, "legal", 0.5f)); // from the next token
 * }
 * }</pre>
 *
 * <p><b>Memory.</b> Loaded adapters live in a Caffeine cache whose weight is each adapter's tensor bytes (read
 * from the file's tensor infos) and whose bound is {@code maximumBytes}. Caffeine picks what to evict (W-TinyLFU:
 * rarely used adapters go first, and a newly loaded adapter that is used less than the one it would displace may
 * be the one evicted). Eviction removes an adapter from the cache; it is freed at once when nothing uses it, and
 * otherwise when its last user ends:
 * <ul>
 *   <li>Pins: an {@link AdapterLease} and every generation started or switched through this registry pin their
 *       adapters. An evicted adapter that is pinned stays loaded (outside the bound, see
 *       {@link RegistryStats#loadedBytes()}) and is freed when its last pin goes; used again before that, it
 *       returns to the cache without a reload.</li>
 *   <li>Generations given an {@link AdapterSet} from {@link #adapterSet} (no pin): evicting their adapter closes
 *       it, and core keeps its native memory until the last running generation that uses it ends. A later use
 *       loads it again.</li>
 * </ul>
 * So nothing is freed under a running stream, and the cache's bound holds for every adapter nobody uses.
 *
 * <p><b>Errors.</b> A missing, unreadable or corrupt file, a file that is not a LoRA adapter, and an adapter for
 * another base model (another architecture, tensor names or shapes) throw {@link AdapterLoadException} naming the
 * adapter and the reason; the files are checked in Java against the model's own GGUF header before llama.cpp
 * sees them. The registry and every running generation stay as they were.
 *
 * <p>Thread-safe. Closing the registry closes the adapters nobody uses at once and the pinned ones when their
 * pins go (each freed once no running generation uses it); it does not close the model. The model must outlive
 * the registry's use: closing the model frees every adapter loaded for it.
 */
public final class AdapterRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdapterRegistry.class);

    /** A bound that never evicts. */
    public static final long UNBOUNDED = Long.MAX_VALUE;

    private final Model model;
    private final long maximumBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Slot> slots = new LinkedHashMap<>();
    private final Cache<String, Resident> cache;
    private final Map<Generation, AdapterLease> generationLeases = new ConcurrentHashMap<>();
    private boolean closed;
    private int loadedCount;
    private long cachedBytes;
    private long loadedBytes;
    private long hits;
    private long misses;
    private long loads;
    private long failedLoads;
    private long evictions;
    private long loadNanos;

    /** A registered adapter. Fields other than the finals are guarded by {@link #lock}. */
    private static final class Slot {
        final AdapterSpec spec;
        final long sizeBytes;
        Resident resident;
        CompletableFuture<Void> loading;
        boolean removed;

        Slot(AdapterSpec spec, long sizeBytes) {
            this.spec = spec;
            this.sizeBytes = sizeBytes;
        }
    }

    /** A loaded adapter. Fields other than the finals are guarded by the registry's lock. */
    static final class Resident {
        final Slot slot;
        final LoraAdapter adapter;
        final long bytes;
        int pins;
        boolean cached;
        boolean released;

        private Resident(Slot slot, LoraAdapter adapter, long bytes) {
            this.slot = slot;
            this.adapter = adapter;
            this.bytes = bytes;
        }
    }

    private AdapterRegistry(Model model, long maximumBytes) {
        this.model = model;
        this.maximumBytes = maximumBytes;
        // Weights are KiB (rounded up) so that adapters above 2 GiB fit Caffeine's int weights; the bound is
        // rounded down, so the bytes the cache holds never exceed maximumBytes. Listeners run on the thread that
        // caused the removal, which always holds `lock` (every cache call below is made under it).
        Caffeine<Object, Object> builder = Caffeine.newBuilder().executor(Runnable::run);
        if (maximumBytes != UNBOUNDED) {
            builder.maximumWeight(maximumBytes / 1024)
                    .weigher((String name, Resident r) -> (int) Math.min(Integer.MAX_VALUE, Math.ceilDiv(r.bytes, 1024L)));
        }
        this.cache = builder.removalListener((String name, Resident r, RemovalCause cause) -> onRemoval(r, cause))
                .build();
    }

    /** A registry for {@code model} that keeps at most {@code maximumBytes} of unused adapters loaded. */
    public static AdapterRegistry create(Model model, long maximumBytes) {
        Objects.requireNonNull(model, "model");
        if (maximumBytes < 0) {
            throw new IllegalArgumentException("maximumBytes must be at least 0, was " + maximumBytes);
        }
        return new AdapterRegistry(model, maximumBytes);
    }

    /** A registry for {@code model} that never evicts. */
    public static AdapterRegistry create(Model model) {
        return create(model, UNBOUNDED);
    }

    /** The model its adapters belong to. */
    public Model model() {
        return model;
    }

    /** The cache's bound in bytes ({@link #UNBOUNDED} for none). */
    public long maximumBytes() {
        return maximumBytes;
    }

    // ---------------------------------------------------------------- registration

    /** Registers a lazily loaded adapter at default scale 1. See {@link #register(AdapterSpec)}. */
    public AdapterInfo register(String name, Path path) {
        return register(AdapterSpec.of(name, path));
    }

    /** Registers a lazily loaded adapter at {@code defaultScale}. See {@link #register(AdapterSpec)}. */
    public AdapterInfo register(String name, Path path, float defaultScale) {
        return register(AdapterSpec.of(name, path, defaultScale));
    }

    /**
     * Registers an adapter. Its file is checked against the model now (header only: type, architecture, tensor
     * names and shapes); an eager adapter is also loaded now.
     *
     * @throws IllegalArgumentException when the name is taken
     * @throws AdapterLoadException     when the file is missing, corrupt, not a LoRA adapter or made for another base
     *                                  model (or, eager, when llama.cpp refuses it); nothing is registered then
     */
    public AdapterInfo register(AdapterSpec spec) {
        Objects.requireNonNull(spec, "spec");
        Slot slot = new Slot(spec, check(spec.name(), spec.path()));
        lock.lock();
        try {
            ensureOpen();
            if (slots.containsKey(spec.name())) {
                throw new IllegalArgumentException("an adapter named '" + spec.name() + "' is already registered");
            }
            slots.put(spec.name(), slot);
        } finally {
            lock.unlock();
        }
        if (spec.load() == LoadPolicy.EAGER) {
            try {
                unpin(List.of(pin(spec.name())));
            } catch (RuntimeException e) {
                lock.lock();
                try {
                    slots.remove(spec.name(), slot);
                    slot.removed = true;
                } finally {
                    lock.unlock();
                }
                throw e;
            }
        }
        LOG.debug("registered adapter '{}' ({}, {} bytes)", spec.name(), spec.path(), slot.sizeBytes);
        return info(spec.name()).orElseThrow();
    }

    /**
     * Registers every adapter of a manifest, or none: each file is checked first, and when one fails (or an eager
     * load fails) the adapters this call registered are removed again.
     *
     * @throws ManifestException naming the manifest and the entry, with the {@link AdapterLoadException} (or the
     *                           name clash) as its cause
     */
    public List<AdapterInfo> registerAll(AdapterManifest manifest) {
        Objects.requireNonNull(manifest, "manifest");
        List<AdapterSpec> specs = manifest.adapters();
        for (int i = 0; i < specs.size(); i++) {
            AdapterSpec spec = specs.get(i);
            try {
                if (isRegistered(spec.name())) {
                    throw new IllegalArgumentException("an adapter named '" + spec.name() + "' is already registered");
                }
                check(spec.name(), spec.path());
            } catch (RuntimeException e) {
                throw manifestError(manifest, i, e);
            }
        }
        List<AdapterInfo> infos = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            try {
                infos.add(register(specs.get(i)));
            } catch (RuntimeException e) {
                for (AdapterInfo done : infos) {
                    unregister(done.name());
                }
                throw manifestError(manifest, i, e);
            }
        }
        return List.copyOf(infos);
    }

    private static ManifestException manifestError(AdapterManifest manifest, int index, RuntimeException e) {
        return new ManifestException("Adapter manifest " + manifest.source() + ", adapters[" + index + "] (\""
                + manifest.adapters().get(index).name() + "\"): " + e.getMessage(), e);
    }

    /**
     * Removes an adapter. If it is loaded it is closed: freed at once when nothing uses it, otherwise when the
     * last lease, registry generation or running generation that uses it ends. Generations that use it go on
     * with it; new requests cannot name it.
     *
     * @return false when no adapter had that name
     */
    public boolean unregister(String name) {
        lock.lock();
        try {
            Slot slot = slots.remove(name);
            if (slot == null) {
                return false;
            }
            slot.removed = true;
            Resident r = slot.resident;
            if (r != null) {
                if (r.cached) {
                    cache.invalidate(name); // the listener releases it unless pinned
                    cache.cleanUp();
                } else if (r.pins == 0) {
                    release(r);
                }
            }
            LOG.debug("unregistered adapter '{}'", name);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Whether an adapter of that name is registered. */
    public boolean isRegistered(String name) {
        lock.lock();
        try {
            return slots.containsKey(name);
        } finally {
            lock.unlock();
        }
    }

    /** The registered names, in registration order. */
    public List<String> names() {
        lock.lock();
        try {
            return List.copyOf(slots.keySet());
        } finally {
            lock.unlock();
        }
    }

    /** Every registered adapter, in registration order. */
    public List<AdapterInfo> list() {
        lock.lock();
        try {
            List<AdapterInfo> infos = new ArrayList<>(slots.size());
            for (Slot slot : slots.values()) {
                infos.add(info(slot));
            }
            return infos;
        } finally {
            lock.unlock();
        }
    }

    /** One adapter's state and size. */
    public Optional<AdapterInfo> info(String name) {
        lock.lock();
        try {
            Slot slot = slots.get(name);
            return slot == null ? Optional.empty() : Optional.of(info(slot));
        } finally {
            lock.unlock();
        }
    }

    private static AdapterInfo info(Slot slot) {
        Resident r = slot.resident;
        AdapterState state = r == null ? AdapterState.REGISTERED
                : r.pins > 0 || r.adapter.isInUse() ? AdapterState.IN_USE : AdapterState.LOADED;
        return new AdapterInfo(slot.spec.name(), slot.spec.path(), slot.spec.defaultScale(), slot.spec.load(), state,
                slot.sizeBytes, r == null ? 0 : r.pins, r != null && r.cached);
    }

    /** Counters and the bytes held now. */
    public RegistryStats stats() {
        lock.lock();
        try {
            return new RegistryStats(slots.size(), loadedCount, cachedBytes, loadedBytes, maximumBytes, hits, misses,
                    loads, failedLoads, evictions, Duration.ofNanos(loadNanos));
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- use

    /**
     * Loads the adapter now if it is not loaded (it then sits in the cache like any other).
     *
     * @throws IllegalArgumentException when no adapter has that name
     * @throws AdapterLoadException     when it cannot be loaded
     */
    public AdapterInfo load(String name) {
        unpin(List.of(pin(name)));
        return info(name).orElseThrow(() -> unknown(name));
    }

    /**
     * Resolves a selection, loading what is not loaded, and pins its adapters until the lease is closed.
     * Adapters named without a scale get their default scale.
     *
     * @throws IllegalArgumentException when a name is not registered
     * @throws AdapterLoadException     when an adapter cannot be loaded (nothing stays pinned then)
     */
    public AdapterLease acquire(AdapterSelection selection) {
        Objects.requireNonNull(selection, "selection");
        List<Resident> pinned = new ArrayList<>(selection.entries().size());
        try {
            AdapterSet.Builder set = AdapterSet.builder();
            for (AdapterSelection.Entry entry : selection.entries()) {
                Resident r = pin(entry.name());
                pinned.add(r);
                float scale = entry.scale().isPresent() ? (float) entry.scale().getAsDouble() : r.slot.spec.defaultScale();
                set.add(r.adapter, scale);
            }
            return new AdapterLease(this, selection, set.build(), List.copyOf(pinned));
        } catch (RuntimeException e) {
            unpin(pinned);
            throw e;
        }
    }

    /**
     * The {@link AdapterSet} of a selection, without a pin: a generation that runs with it keeps its adapters
     * alive while it runs, but between this call and the request's start the cache may evict (and close) one,
     * and the request then fails. Prefer {@link #submit} or {@link #acquire}.
     */
    public AdapterSet adapterSet(AdapterSelection selection) {
        try (AdapterLease lease = acquire(selection)) {
            return lease.adapters();
        }
    }

    /**
     * Submits {@code request} with the selected adapters, which stay pinned until the generation ends. The builder
     * must not have adapters set already.
     *
     * @throws IllegalArgumentException when a name is not registered
     * @throws AdapterLoadException     when an adapter cannot be loaded
     */
    public Generation submit(GenerationRequest.Builder request, AdapterSelection adapters, TokenCallback callback) {
        return submit(request, adapters, callback, Demand.unbounded());
    }

    /** As {@link #submit(GenerationRequest.Builder, AdapterSelection, TokenCallback)}, with a {@link Demand}. */
    public Generation submit(GenerationRequest.Builder request, AdapterSelection adapters, TokenCallback callback,
                             Demand demand) {
        Objects.requireNonNull(request, "request");
        AdapterLease lease = acquire(adapters);
        Generation generation;
        try {
            generation = model.submit(request.adapters(lease.adapters()).build(), callback, demand);
        } catch (RuntimeException e) {
            lease.close();
            throw e;
        }
        hold(generation, lease);
        return generation;
    }

    /**
     * Runs {@code request} with the selected adapters and waits for the result (not from a token callback).
     *
     * @throws dev.rill.GenerationException when the generation fails
     */
    public GenerationResult generate(GenerationRequest.Builder request, AdapterSelection adapters,
                                     TokenCallback callback) {
        return submit(request, adapters, callback).await();
    }

    /**
     * Switches a running generation to the selected adapters from its next token (see
     * {@link Generation#switchAdapters}: the tokens already in the context keep what the earlier adapters made of
     * them). The new adapters stay pinned until the generation ends. Safe from its token callback; an adapter that
     * is not loaded is loaded first, which holds up every generation for the load when called there, so load it
     * beforehand ({@link #load}) when that matters.
     *
     * @throws IllegalArgumentException when a name is not registered
     * @throws AdapterLoadException     when an adapter cannot be loaded; the generation goes on unchanged
     */
    public void switchAdapters(Generation generation, AdapterSelection adapters) {
        switchTo(generation, adapters, false);
    }

    /**
     * As {@link #switchAdapters}, and first re-evaluates the prompt and the tokens so far under the new adapters
     * ({@link Generation#switchAdaptersAndReevaluate}), so the next token is what they would give after this text.
     */
    public void switchAdaptersAndReevaluate(Generation generation, AdapterSelection adapters) {
        switchTo(generation, adapters, true);
    }

    private void switchTo(Generation generation, AdapterSelection adapters, boolean reevaluate) {
        Objects.requireNonNull(generation, "generation");
        AdapterLease lease = acquire(adapters);
        try {
            if (reevaluate) {
                generation.switchAdaptersAndReevaluate(lease.adapters());
            } else {
                generation.switchAdapters(lease.adapters());
            }
        } catch (RuntimeException e) {
            lease.close();
            throw e;
        }
        hold(generation, lease);
    }

    /**
     * Keeps {@code lease} until the generation ends. A later switch replaces it: the generation's engine holds its
     * own reference on the adapters it runs with until the switch takes effect, so the earlier pins can go.
     */
    private void hold(Generation generation, AdapterLease lease) {
        AdapterLease previous = generationLeases.put(generation, lease);
        if (previous != null) {
            previous.close();
        }
        generation.result().whenComplete((result, error) -> {
            if (generationLeases.remove(generation, lease)) {
                lease.close();
            }
        });
        if (generation.isDone() && generationLeases.remove(generation, lease)) {
            lease.close();
        }
    }

    // ---------------------------------------------------------------- pins and the cache

    /** Pins the named adapter, loading it if needed. */
    private Resident pin(String name) {
        while (true) {
            Slot slot;
            CompletableFuture<Void> loading;
            boolean loader = false;
            lock.lock();
            try {
                ensureOpen();
                slot = slots.get(name);
                if (slot == null) {
                    throw unknown(name);
                }
                Resident r = slot.resident;
                if (r != null) {
                    hits++;
                    r.pins++;
                    if (r.cached) {
                        cache.getIfPresent(name); // counts the use for the eviction policy
                    } else {
                        insert(name, r); // evicted while pinned: back without a reload
                    }
                    return r;
                }
                if (slot.loading == null) {
                    slot.loading = new CompletableFuture<>();
                    loader = true;
                    misses++;
                }
                loading = slot.loading;
            } finally {
                lock.unlock();
            }
            if (loader) {
                return loadPinned(name, slot, loading);
            }
            try {
                loading.join(); // another thread loads it; then take the pin under the lock
            } catch (CompletionException e) {
                if (e.getCause() instanceof RuntimeException cause) {
                    throw cause;
                }
                throw e;
            }
        }
    }

    private Resident loadPinned(String name, Slot slot, CompletableFuture<Void> loading) {
        long start = System.nanoTime();
        LoraAdapter adapter;
        try {
            // Again: the file may have changed since it was registered.
            check(name, slot.spec.path());
            adapter = model.loadAdapter(slot.spec.path());
        } catch (RuntimeException e) {
            RuntimeException named = e instanceof AdapterLoadException load && !load.getMessage().contains("'" + name + "'")
                    ? new AdapterLoadException(load.path(), "Adapter '" + name + "': " + load.getMessage())
                    : e;
            lock.lock();
            try {
                failedLoads++;
                slot.loading = null;
            } finally {
                lock.unlock();
            }
            loading.completeExceptionally(named);
            throw named;
        }
        long elapsed = System.nanoTime() - start;
        lock.lock();
        try {
            slot.loading = null;
            loads++;
            loadNanos += elapsed;
            if (closed || slot.removed) {
                adapter.close();
                loading.complete(null);
                throw closed ? new IllegalStateException("the adapter registry is closed") : unknown(name);
            }
            Resident r = new Resident(slot, adapter, slot.sizeBytes);
            slot.resident = r;
            loadedCount++;
            loadedBytes += r.bytes;
            r.pins = 1;
            insert(name, r);
            loading.complete(null);
            LOG.debug("loaded adapter '{}' in {} µs", name, elapsed / 1000);
            return r;
        } finally {
            lock.unlock();
        }
    }

    /** Puts a loaded adapter in the cache; evictions it causes run now, on this thread. Under the lock. */
    private void insert(String name, Resident r) {
        r.cached = true;
        cachedBytes += r.bytes;
        cache.put(name, r);
        cache.cleanUp();
    }

    /** Caffeine's removal listener, run on the thread of the cache call, which holds the lock. */
    private void onRemoval(Resident r, RemovalCause cause) {
        if (r == null) {
            return;
        }
        lock.lock();
        try {
            if (!r.cached) {
                return;
            }
            r.cached = false;
            cachedBytes -= r.bytes;
            if (cause.wasEvicted()) {
                evictions++;
                LOG.debug("evicted adapter '{}' ({} bytes, {} pins)", r.slot.spec.name(), r.bytes, r.pins);
            }
            if (r.pins == 0) {
                release(r);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Drops pins; an adapter that left the cache is released with its last pin. */
    void unpin(List<Resident> pinned) {
        if (pinned.isEmpty()) {
            return;
        }
        lock.lock();
        try {
            for (Resident r : pinned) {
                r.pins--;
                if (r.pins == 0 && !r.cached) {
                    release(r);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Closes a loaded adapter (core frees it once no running generation uses it). Under the lock. */
    private void release(Resident r) {
        if (r.released) {
            return;
        }
        r.released = true;
        if (r.slot.resident == r) {
            r.slot.resident = null;
        }
        loadedCount--;
        loadedBytes -= r.bytes;
        r.adapter.close();
    }

    /**
     * Checks the adapter file against the model (core reads its GGUF header: type, architecture, tensor names,
     * shapes and types) and returns its tensor bytes; the error names the registry entry.
     */
    private long check(String name, Path path) {
        try {
            return model.checkAdapter(path);
        } catch (AdapterLoadException e) {
            throw new AdapterLoadException(path, "Adapter '" + name + "': " + e.getMessage());
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the adapter registry is closed");
        }
    }

    private static IllegalArgumentException unknown(String name) {
        return new IllegalArgumentException("no adapter named '" + name + "' is registered");
    }

    /**
     * Closes every adapter nothing uses now, and forgets every name. Adapters held by open leases and by
     * generations started or switched through the registry are closed when those end (and freed once no running
     * generation uses them). Idempotent.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            cache.invalidateAll(); // the listener releases what is not pinned
            cache.cleanUp();
            for (Slot slot : slots.values()) {
                slot.removed = true;
                Resident r = slot.resident;
                if (r != null && r.pins == 0) {
                    release(r);
                }
            }
            slots.clear();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "AdapterRegistry[" + model.info().path().getFileName() + ", " + names() + "]";
    }
}
