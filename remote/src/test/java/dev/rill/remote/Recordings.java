package dev.rill.remote;

import dev.rill.remote.internal.RemoteGeneration;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Flow;

/** Responses recorded under {@code /recorded/}, and a body that feeds one to a generation without a network. */
final class Recordings {
    private Recordings() {
    }

    static byte[] resource(String name) {
        try (InputStream in = Recordings.class.getResourceAsStream("/recorded/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no recording " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Streams {@code name} into {@code generation} in buffers of {@code size} bytes, one buffer per request. */
    static void replay(String name, int size, RemoteGeneration generation) {
        byte[] bytes = resource(name);
        generation.onSubscribe(new Flow.Subscription() {
            int at;
            boolean busy;

            @Override
            public void request(long n) {
                if (busy) {
                    return;
                }
                busy = true;
                try {
                    if (at >= bytes.length) {
                        generation.onComplete();
                        return;
                    }
                    int end = Math.min(bytes.length, at + size);
                    ByteBuffer buffer = ByteBuffer.wrap(Arrays.copyOfRange(bytes, at, end));
                    at = end;
                    generation.onNext(List.of(buffer));
                } finally {
                    busy = false;
                }
                if (at <= bytes.length) {
                    request(1);
                }
            }

            @Override
            public void cancel() {
                at = Integer.MAX_VALUE;
            }
        });
    }
}
