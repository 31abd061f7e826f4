package dev.rill.internal.llama;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Converts between the bytes {@code llama_state_seq_get_data} writes for one sequence and a block that depends
 * neither on the sequence's id nor on the context's number of sequences, and checks a block before it goes back
 * to llama.cpp.
 *
 * <p>The current release writes a header (magic number, sequence id), a stream count and one block per stream,
 * all empty but the sequence's own; the block is that one non-empty stream, and {@link #toNative} puts the
 * target sequence's header, its context's stream count and the empty blocks back around it. b4916 writes the
 * block alone.
 *
 * <p>Why {@link #check} exists: llama.cpp trusts the cell records. It reserves a batch of the stated cell count
 * before reading any cell, and asserts (ending the process) when the positions it reads do not land where it put
 * them. The tensor data after the records it does check (types, row sizes, the end of the buffer). So the cell
 * count must match the token history the state claims to hold, every position must be its index, and each
 * record must state the sequence id count this release writes.
 */
final class SequenceStateCodec {
    private final ProfileBinding.StateLayout layout;

    SequenceStateCodec(ProfileBinding.StateLayout layout) {
        this.layout = layout;
    }

    /**
     * The block of one sequence's raw state; an empty array for a sequence without cells.
     *
     * @throws IllegalArgumentException when the raw state has a layout this class does not know (a model with
     *     more than one kind of cache, such as sliding-window or recurrent layers)
     */
    byte[] toBlock(byte[] raw) {
        int header = layout.headerBytes();
        if (!layout.streamCount()) {
            byte[] block = Arrays.copyOfRange(raw, header, raw.length);
            boolean empty = block.length < 4 || ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN).getInt() == 0;
            return empty ? new byte[0] : block;
        }
        ByteBuffer in = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        in.position(header);
        int streams = in.getInt();
        byte[] block = new byte[0];
        int before = 0;
        for (int s = 0; s < streams; s++) {
            int start = in.position();
            int cells = in.getInt();
            if (cells != 0) {
                // Only one stream holds the sequence; after its block come the other streams' zero counts.
                block = Arrays.copyOfRange(raw, start, raw.length - 4 * (streams - s - 1));
                before = s;
                break;
            }
        }
        // What llama.cpp wrote must be: header, stream count, empty streams, the block, empty streams. (The block's
        // own end is not marked, so a second cache after it is caught by the model's facts, stateUnsupported.)
        int after = block.length == 0 ? 0 : streams - before - 1;
        boolean emptyAfter = true;
        for (int i = raw.length - 4 * after; i < raw.length; i++) {
            emptyAfter &= raw[i] == 0;
        }
        int expected = header + 4 + 4 * (streams - (block.length == 0 ? 0 : 1)) + block.length;
        if (expected != raw.length || !emptyAfter) {
            throw new IllegalArgumentException("the KV state of this model has a layout Rill cannot move between "
                    + "contexts (more than one cache, as with sliding-window or recurrent layers)");
        }
        return block;
    }

    /**
     * The bytes llama.cpp reads back for {@code block} in the sequence whose empty state is {@code emptyRaw}
     * (which gives the header and this context's stream count).
     */
    byte[] toNative(byte[] block, byte[] emptyRaw) {
        int header = layout.headerBytes();
        if (!layout.streamCount()) {
            byte[] out = Arrays.copyOf(emptyRaw, header + block.length);
            System.arraycopy(block, 0, out, header, block.length);
            return out;
        }
        int streams = ByteBuffer.wrap(emptyRaw).order(ByteOrder.LITTLE_ENDIAN).getInt(header);
        int others = block.length == 0 ? streams : streams - 1;
        ByteBuffer out = ByteBuffer.allocate(header + 4 + block.length + 4 * others).order(ByteOrder.LITTLE_ENDIAN);
        out.put(emptyRaw, 0, header);
        out.putInt(streams);
        out.put(block);
        for (int s = 0; s < others; s++) {
            out.putInt(0);
        }
        return out.array();
    }

    /**
     * Checks that {@code block} holds exactly {@code cells} cells at positions {@code 0..cells-1}, in records of
     * this release's layout, followed by tensor data.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    void check(byte[] block, int cells) {
        if (block.length < 4) {
            throw new IllegalArgumentException("the KV state is " + block.length + " bytes, too short for a cell count");
        }
        ByteBuffer in = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
        int stated = in.getInt();
        if (stated != cells) {
            throw new IllegalArgumentException("the KV state holds " + Integer.toUnsignedString(stated)
                    + " cells, but its token history has " + cells);
        }
        long records = (long) cells * layout.cellBytes();
        if (4 + records >= block.length) {
            throw new IllegalArgumentException("the KV state is " + block.length + " bytes, too short for " + cells
                    + " cells and their data");
        }
        for (int i = 0; i < cells; i++) {
            int record = in.position();
            int position = in.getInt();
            int sequenceIds = in.getInt();
            if (position != i) {
                throw new IllegalArgumentException("cell " + i + " of the KV state is at position " + position
                        + ", expected " + i);
            }
            if (sequenceIds != layout.sequenceIdsPerCell()) {
                throw new IllegalArgumentException("cell " + i + " of the KV state names "
                        + Integer.toUnsignedString(sequenceIds) + " sequences, expected " + layout.sequenceIdsPerCell());
            }
            in.position(record + layout.cellBytes());
        }
    }
}
