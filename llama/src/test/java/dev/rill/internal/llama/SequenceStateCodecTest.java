package dev.rill.internal.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The sequence-state block: moved between stream layouts, and checked before llama.cpp reads it. */
class SequenceStateCodecTest {
    private static final ProfileBinding.StateLayout CURRENT = new ProfileBinding.StateLayout(8, true, 12, 1);
    private static final ProfileBinding.StateLayout B4916 = new ProfileBinding.StateLayout(0, false, 8, 0);

    /** A current-release state: header, stream count, {@code cells} cells in stream {@code stream}, 16 data bytes. */
    private static byte[] currentState(int streams, int stream, int sequence, int cells) {
        ByteBuffer out = ByteBuffer.allocate(8 + 4 + 4 * streams + (cells > 0 ? 12 * cells + 16 : 0))
                .order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(0xaf143cd8).putInt(sequence).putInt(streams);
        for (int s = 0; s < streams; s++) {
            if (s == stream && cells > 0) {
                out.putInt(cells);
                for (int i = 0; i < cells; i++) {
                    out.putInt(i).putInt(1).putInt(sequence);
                }
                for (int i = 0; i < 16; i++) {
                    out.put((byte) i);
                }
            } else {
                out.putInt(0);
            }
        }
        return out.array();
    }

    @Test
    void aBlockMovesToAContextWithAnotherStreamCountAndSequence() {
        SequenceStateCodec codec = new SequenceStateCodec(CURRENT);
        byte[] block = codec.toBlock(currentState(4, 2, 2, 3));
        codec.check(block, 3);
        byte[] target = codec.toNative(block, currentState(2, 0, 1, 0));
        ByteBuffer in = ByteBuffer.wrap(target).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xaf143cd8, in.getInt());
        assertEquals(1, in.getInt(), "the target sequence's header");
        assertEquals(2, in.getInt(), "the target context's stream count");
        assertEquals(3, in.getInt());
        assertEquals(target.length, 8 + 4 + block.length + 4, "one empty stream after the block");
        assertArrayEquals(new byte[0], codec.toBlock(currentState(4, 0, 0, 0)), "no cells, no block");
    }

    @Test
    void b4916BlocksHaveNoHeaderAndAnEmptySequenceHasNoBlock() {
        SequenceStateCodec codec = new SequenceStateCodec(B4916);
        ByteBuffer state = ByteBuffer.allocate(4 + 8 * 2 + 8).order(ByteOrder.LITTLE_ENDIAN);
        state.putInt(2).putInt(0).putInt(0).putInt(1).putInt(0).putLong(42);
        byte[] block = codec.toBlock(state.array());
        codec.check(block, 2);
        assertArrayEquals(state.array(), codec.toNative(block, new byte[] {0, 0, 0, 0}));
        assertArrayEquals(new byte[0], codec.toBlock(new byte[] {0, 0, 0, 0, 7, 7}));
    }

    @Test
    void checkRefusesWhatLlamaCppWouldTrustBlindly() {
        SequenceStateCodec codec = new SequenceStateCodec(CURRENT);
        byte[] block = codec.toBlock(currentState(1, 0, 0, 3));
        assertThrows(IllegalArgumentException.class, () -> codec.check(block, 4), "cell count against the history");
        assertThrows(IllegalArgumentException.class, () -> codec.check(new byte[2], 0), "no cell count");
        byte[] position = block.clone();
        ByteBuffer.wrap(position).order(ByteOrder.LITTLE_ENDIAN).putInt(4 + 12, 5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> codec.check(position, 3));
        assertTrue(e.getMessage().contains("position 5"), e.getMessage());
        byte[] sequences = block.clone();
        ByteBuffer.wrap(sequences).order(ByteOrder.LITTLE_ENDIAN).putInt(4 + 4, 2);
        assertThrows(IllegalArgumentException.class, () -> codec.check(sequences, 3), "a record naming 2 sequences");
        byte[] cut = java.util.Arrays.copyOf(block, 4 + 12 * 3);
        assertThrows(IllegalArgumentException.class, () -> codec.check(cut, 3), "records without data");
    }

    @Test
    void aStateThatIsNotOneBlockAmongEmptyStreamsIsRefused() {
        SequenceStateCodec codec = new SequenceStateCodec(CURRENT);
        byte[] state = currentState(3, 0, 0, 2);
        state[state.length - 1] = 9; // a stream after the block that is not empty
        assertThrows(IllegalArgumentException.class, () -> codec.toBlock(state));
        byte[] extra = java.util.Arrays.copyOf(currentState(3, 0, 0, 0), 8 + 4 + 12 + 4);
        assertThrows(IllegalArgumentException.class, () -> codec.toBlock(extra), "bytes after empty streams");
    }
}
