package dev.rill.internal.session;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Fuzz target for the reader of saved chat session states, the bytes a user hands to {@code restore}: it returns a
 * state or throws {@link IllegalArgumentException} naming what is wrong; never another exception, a hang or an
 * allocation out of proportion to the input. The input is a state's body: the target frames it as a state of the
 * current version with a correct checksum, so that the fuzzer reaches the structure behind the checksum. Without
 * {@code JAZZER_FUZZ} JUnit runs the seeds in {@code SessionStateFuzzTestInputs/sessionState/}; {@code tools/fuzz}
 * fuzzes.
 */
class SessionStateFuzzTest {
    private static final byte[] MAGIC = "RILLSESS".getBytes(StandardCharsets.US_ASCII);

    @FuzzTest
    void sessionState(byte[] body) {
        byte[] state = new byte[MAGIC.length + 2 + body.length + 4];
        System.arraycopy(MAGIC, 0, state, 0, MAGIC.length);
        state[MAGIC.length] = (byte) (SessionState.VERSION >>> 8);
        state[MAGIC.length + 1] = (byte) SessionState.VERSION;
        System.arraycopy(body, 0, state, MAGIC.length + 2, body.length);
        CRC32C crc = new CRC32C();
        crc.update(state, 0, state.length - 4);
        int sum = (int) crc.getValue();
        for (int i = 0; i < 4; i++) {
            state[state.length - 4 + i] = (byte) (sum >>> (24 - 8 * i));
        }
        try {
            SessionState.parse(state);
        } catch (IllegalArgumentException expected) {
            if (expected.getMessage() == null || expected.getMessage().isEmpty()) {
                throw new AssertionError("a refusal without a reason", expected);
            }
        }
    }
}
