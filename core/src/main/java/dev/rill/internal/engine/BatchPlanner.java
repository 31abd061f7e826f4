package dev.rill.internal.engine;

import dev.rill.internal.llama.LlamaBatch;
import java.util.List;

/**
 * Fills one step's batch: first the pending token of every running sequence of the step's adapter group, then
 * prompt tokens in the room that is left, one sequence after another, starting with a different slot each step
 * so that no prompt waits behind another for ever. Engine thread only.
 */
final class BatchPlanner {
    private final LlamaBatch batch;
    private final SlotCells cells;
    private int nextPromptSlot;

    BatchPlanner(LlamaBatch batch, SlotCells cells) {
        this.batch = batch;
        this.cells = cells;
    }

    /**
     * Plans the step into the (cleared) batch and lists the sequences it serves in {@code inBatch}.
     *
     * @return how many prompt tokens the batch holds
     */
    int plan(Sequence[] slots, List<Sequence> runnable, List<ResolvedAdapter> group, long stepNumber,
             List<Sequence> inBatch) {
        int promptInBatch = 0;
        for (Sequence sequence : runnable) {
            if (sequence.slot >= 0 && !sequence.prefilling() && sequence.adapters.equals(group)) {
                sequence.batchStart = sequence.nextPosition;
                sequence.logitsIndex = batch.add(sequence.pendingToken, sequence.nextPosition, sequence.slot, true);
                cells.put(sequence.slot, sequence.nextPosition, sequence.pendingToken, group);
                sequence.lastServedStep = stepNumber;
                inBatch.add(sequence);
            }
        }
        // Prompt chunks fill the room the running sequences left, one sequence after another, starting with a
        // different slot each step so that no prompt waits behind another for ever.
        for (int i = 0; i < slots.length && batch.remaining() > 0; i++) {
            Sequence sequence = slots[(nextPromptSlot + i) % slots.length];
            if (sequence == null || !sequence.prefilling() || !runnable.contains(sequence)
                    || !sequence.adapters.equals(group) || sequence.shareFrom != null) {
                continue;
            }
            int count = Math.min(batch.remaining(), sequence.feed.length - sequence.prompted);
            sequence.batchStart = sequence.prompted;
            sequence.lastServedStep = stepNumber;
            for (int j = 0; j < count; j++) {
                int position = sequence.prompted + j;
                boolean last = position == sequence.feed.length - 1;
                int index = batch.add(sequence.feed[position], position, sequence.slot, last);
                cells.put(sequence.slot, position, sequence.feed[position], group);
                if (last) {
                    sequence.logitsIndex = index;
                }
            }
            if (sequence.firstDecodeNanos == 0) {
                sequence.firstDecodeNanos = System.nanoTime();
            }
            sequence.prompted += count;
            sequence.nextPosition = sequence.prompted;
            promptInBatch += count;
            inBatch.add(sequence);
        }
        nextPromptSlot = (nextPromptSlot + 1) % slots.length;
        return promptInBatch;
    }
}
