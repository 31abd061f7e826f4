package dev.rill.internal.engine;

import dev.rill.internal.llama.LlamaAdapterHandle;
import dev.rill.internal.llama.LlamaContextHandle;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which LoRA adapters the context runs in each step. llama.cpp applies adapters per context, not per sequence,
 * so a step serves one adapter set: the set of the runnable sequence served longest ago. The scheduler keeps the
 * context's attached set, holds a reference on each attached adapter, and counts switches. Engine thread only.
 */
final class AdapterScheduler {
    private static final Logger LOG = LoggerFactory.getLogger(AdapterScheduler.class);

    private final LlamaContextHandle context;
    /** Adapters attached to the context, with their current scales; the scheduler holds a reference on each. */
    private final Map<LlamaAdapterHandle, Float> attached = new IdentityHashMap<>();
    private List<ResolvedAdapter> appliedSet = List.of();
    private volatile long switches;

    AdapterScheduler(LlamaContextHandle context) {
        this.context = context;
    }

    /** Times the context's adapter set changed. Any thread. */
    long switches() {
        return switches;
    }

    /**
     * The adapter set this step runs: the set of the runnable sequence served longest ago (lowest slot among
     * equals), so that every group gets its turn and none starves. Sequences of other sets sit this step out.
     */
    List<ResolvedAdapter> chooseGroup(List<Sequence> runnable) {
        Sequence oldest = runnable.getFirst();
        boolean mixed = false;
        for (Sequence sequence : runnable) {
            if (!sequence.adapters.equals(oldest.adapters)) {
                mixed = true;
            }
            if (sequence.lastServedStep < oldest.lastServedStep) {
                oldest = sequence;
            }
        }
        return mixed ? oldest.adapters : runnable.getFirst().adapters;
    }

    /**
     * Makes the context run {@code group}. Adapters of the group are attached (or re-scaled); every other
     * attached adapter is set to scale 0. An adapter that no sequence uses any more is detached, but never in
     * a step that also attaches one: llama.cpp b4916 reuses its graph allocation when a new graph has as many
     * nodes as the last, and detaching one adapter while attaching another on a different tensor makes exactly
     * such a graph, which aborts the process. Each change of the attached set therefore changes its size.
     */
    void apply(List<ResolvedAdapter> group, Sequence[] slots) {
        if (group.equals(appliedSet) && attached.size() == group.size()) {
            return;
        }
        boolean attaching = false;
        for (ResolvedAdapter adapter : group) {
            Float current = attached.get(adapter.handle());
            if (current == null) {
                if (!adapter.handle().retain()) {
                    throw new IllegalStateException("the LoRA adapter " + adapter.handle().path() + " was freed");
                }
                try {
                    context.setAdapter(adapter.handle(), adapter.scale());
                } catch (RuntimeException e) {
                    adapter.handle().release();
                    throw e;
                }
                attached.put(adapter.handle(), adapter.scale());
                attaching = true;
            } else if (Float.compare(current, adapter.scale()) != 0) {
                context.setAdapter(adapter.handle(), adapter.scale());
                attached.put(adapter.handle(), adapter.scale());
            }
        }
        List<LlamaAdapterHandle> unused = new ArrayList<>();
        for (Map.Entry<LlamaAdapterHandle, Float> entry : attached.entrySet()) {
            LlamaAdapterHandle handle = entry.getKey();
            if (inGroup(group, handle)) {
                continue;
            }
            if (!attaching && !usedByAnySequence(handle, slots)) {
                unused.add(handle);
            } else if (entry.getValue() != 0f) {
                context.setAdapter(handle, 0f);
                entry.setValue(0f);
            }
        }
        for (LlamaAdapterHandle handle : unused) {
            context.removeAdapter(handle);
            attached.remove(handle);
            handle.release();
        }
        if (!group.equals(appliedSet)) {
            switches++;
        }
        appliedSet = group;
    }

    private static boolean inGroup(List<ResolvedAdapter> group, LlamaAdapterHandle handle) {
        for (ResolvedAdapter adapter : group) {
            if (adapter.handle() == handle) {
                return true;
            }
        }
        return false;
    }

    private static boolean usedByAnySequence(LlamaAdapterHandle handle, Sequence[] slots) {
        for (Sequence sequence : slots) {
            if (sequence != null && inGroup(sequence.adapters, handle)) {
                return true;
            }
        }
        return false;
    }

    /** Detaches every adapter and drops the references held on them; when the engine stops. */
    void detachAll() {
        for (LlamaAdapterHandle adapter : attached.keySet()) {
            try {
                context.removeAdapter(adapter);
            } catch (RuntimeException e) {
                LOG.warn("could not detach {}", adapter, e);
            }
        }
    }

    /** Drops the references on every adapter that was attached; after the context is freed. */
    void releaseAttached() {
        attached.keySet().forEach(LlamaAdapterHandle::release);
        attached.clear();
    }

    /** Retains every adapter; on failure releases those taken and returns the path of the one that failed. */
    static String retainAll(List<ResolvedAdapter> adapters) {
        for (int i = 0; i < adapters.size(); i++) {
            if (!adapters.get(i).handle().retain()) {
                for (int j = 0; j < i; j++) {
                    adapters.get(j).handle().release();
                }
                return adapters.get(i).handle().path().toString();
            }
        }
        return null;
    }

    static void releaseAll(List<ResolvedAdapter> adapters) {
        for (ResolvedAdapter adapter : adapters) {
            adapter.handle().release();
        }
    }
}
