package dev.rill.internal.llama;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes llama.cpp's and ggml's log lines to SLF4J (logger {@code dev.rill.llama}) and remembers each thread's
 * recent warnings and errors, so that an exception for a failed call can carry what the library said.
 *
 * <p>Levels: llama.cpp's chatty INFO lines go to DEBUG, its DEBUG to TRACE, WARN and ERROR stay. The upcall
 * never throws: an exception escaping into native code would end the process.
 */
public final class NativeLog {
    private static final Logger LOG = LoggerFactory.getLogger("dev.rill.llama");
    private static final int KEEP = 12;

    private static final int LEVEL_DEBUG = 1;
    private static final int LEVEL_INFO = 2;
    private static final int LEVEL_WARN = 3;
    private static final int LEVEL_ERROR = 4;
    private static final int LEVEL_CONT = 5;

    /** Per thread: the line being assembled (llama.cpp logs some lines in pieces) and the recent problems. */
    private static final class ThreadLog {
        final StringBuilder pending = new StringBuilder();
        int pendingLevel = LEVEL_INFO;
        final ArrayDeque<String> recent = new ArrayDeque<>(KEEP);
    }

    private static final ThreadLocal<ThreadLog> LOGS = ThreadLocal.withInitial(ThreadLog::new);

    private NativeLog() {
    }

    /** Creates the upcall stub that {@code llama_log_set} receives; it lives as long as the JVM. */
    static MemorySegment upcallStub() {
        try {
            var target = MethodHandles.lookup().findStatic(NativeLog.class, "onLog",
                    MethodType.methodType(void.class, int.class, MemorySegment.class, MemorySegment.class));
            return Linker.nativeLinker().upcallStub(target,
                    FunctionDescriptor.ofVoid(JAVA_INT, ADDRESS, ADDRESS), Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unused") // called from native code
    private static void onLog(int level, MemorySegment text, MemorySegment userData) {
        try {
            String piece = text.equals(MemorySegment.NULL) ? "" : text.reinterpret(Integer.MAX_VALUE).getString(0);
            ThreadLog log = LOGS.get();
            if (level != LEVEL_CONT) {
                if (!log.pending.isEmpty()) {
                    emit(log, log.pendingLevel, log.pending.toString());
                    log.pending.setLength(0);
                }
                log.pendingLevel = level;
            }
            log.pending.append(piece);
            int newline;
            while ((newline = log.pending.indexOf("\n")) >= 0) {
                String line = log.pending.substring(0, newline);
                log.pending.delete(0, newline + 1);
                if (!line.isBlank()) {
                    emit(log, log.pendingLevel, line);
                }
            }
        } catch (Throwable ignored) {
            // Nothing may escape into native code.
        }
    }

    private static void emit(ThreadLog log, int level, String line) {
        switch (level) {
            case LEVEL_ERROR -> {
                remember(log, line);
                LOG.error(line);
            }
            case LEVEL_WARN -> {
                remember(log, line);
                LOG.warn(line);
            }
            case LEVEL_DEBUG -> LOG.trace(line);
            default -> LOG.debug(line);
        }
    }

    private static void remember(ThreadLog log, String line) {
        if (log.recent.size() == KEEP) {
            log.recent.removeFirst();
        }
        log.recent.addLast(line.strip());
    }

    /** Forgets this thread's recent problems; call before a native call whose failure you will report. */
    public static void clearRecent() {
        LOGS.get().recent.clear();
    }

    /** This thread's warnings and errors since the last {@link #clearRecent()}, oldest first. */
    public static List<String> recent() {
        return new ArrayList<>(LOGS.get().recent);
    }

    /** {@code message}, followed by what llama.cpp logged on this thread since {@link #clearRecent()}. */
    public static String withRecent(String message) {
        List<String> lines = recent();
        if (lines.isEmpty()) {
            return message;
        }
        return message + "\nllama.cpp said:\n  " + String.join("\n  ", lines);
    }
}
