package dev.rill.internal.llama;

import java.nio.file.Path;

/**
 * Run in a child JVM by {@link HostileRuns}: loads each model file named on the command line in turn (or, for an
 * argument {@code base|adapter}, the base and then the LoRA adapter, attached to the context), creates a small
 * context on it and decodes one token, printing {@code BEGIN} before each file and
 * {@code LOADED}, {@code REFUSED} or {@code ERROR} after it. A native crash ends this JVM after a {@code BEGIN}
 * with no answer, which the parent records against that file before starting a new child on the next one.
 */
public final class HostileModelProbe {
    private HostileModelProbe() {
    }

    public static void main(String[] args) {
        for (String file : args) {
            // "base|adapter": the adapter is loaded on the base and attached to the context before the decode.
            int bar = file.indexOf('|');
            Path path = Path.of(bar < 0 ? file : file.substring(0, bar));
            Path adapterPath = bar < 0 ? null : Path.of(file.substring(bar + 1));
            String name = (adapterPath == null ? path : adapterPath).getFileName().toString();
            System.out.println("BEGIN " + name);
            System.out.flush();
            String outcome;
            try (LlamaModelHandle model = LlamaModelHandle.load(path,
                    new LlamaModelHandle.Config(null, null, 0, true, false))) {
                LlamaAdapterHandle adapter = adapterPath == null ? null : LlamaAdapterHandle.load(model, adapterPath);
                try (LlamaContextHandle context = LlamaContextHandle.create(model,
                        new LlamaContextHandle.Config(64, 64, 1, 1, 1, false, CacheType.F16));
                     LlamaBatch batch = new LlamaBatch(8, model.vocabSize())) {
                    if (adapter != null) {
                        context.setAdapter(adapter, 1f);
                    }
                    batch.add(Math.min(3 + 'a', model.vocabSize() - 1), 0, 0, true);
                    context.decode(batch);
                }
                outcome = "LOADED " + name;
            } catch (LlamaFileException e) {
                outcome = "REFUSED " + name + " " + (e.getMessage().contains("llama.cpp could not load")
                        || e.getMessage().contains("llama.cpp refused") ? "native" : "java")
                        + " " + reason(e.getMessage());
            } catch (RuntimeException e) {
                outcome = "ERROR " + name + " " + e.getClass().getSimpleName() + " " + reason(String.valueOf(e.getMessage()));
            }
            System.out.println(outcome);
            System.out.flush();
        }
    }

    /** llama.cpp's own reason: the first line that says error, else the message's last line. */
    private static String reason(String message) {
        String trimmed = message.strip();
        String line = trimmed.substring(trimmed.lastIndexOf('\n') + 1);
        for (String l : trimmed.split("\n")) {
            if (l.contains("error")) {
                line = l.strip();
                break;
            }
        }
        return line.length() > 200 ? line.substring(0, 200) : line;
    }
}
