package dev.rill.internal.llama;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link HostileModelProbe} in child JVMs over hostile files, a new child after each crash or hang, and writes
 * what happened to each file to {@code target/hostile-<kind>-<profile>.txt}: the mutation runs of
 * {@link HostileModelsTest}, {@link HostileTensorsTest} and {@link HostileAdaptersTest}.
 */
final class HostileRuns {
    private HostileRuns() {
    }

    /**
     * One hostile file.
     *
     * @param argument what the probe is given: a model file, or {@code base|adapter} for an adapter on a base
     * @param name the file's name, how the probe reports it
     * @param description what was made hostile
     */
    record Mutant(String argument, String name, String description) {
        static Mutant of(Path model, String description) {
            return new Mutant(model.toString(), model.getFileName().toString(), description);
        }

        static Mutant adapter(Path base, Path adapter, String description) {
            return new Mutant(base + "|" + adapter, adapter.getFileName().toString(), description);
        }
    }

    /** Runs the probe over {@code mutants}, prints and writes the outcome per file; returns the counts per outcome. */
    static Map<String, Integer> runAndReport(List<Mutant> mutants, String profile, String kind, long seed)
            throws Exception {
        Map<String, String> outcomes = run(mutants, profile);
        StringBuilder report = new StringBuilder();
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Mutant m : mutants) {
            String outcome = outcomes.getOrDefault(m.name(), "NOT-RUN");
            String outcomeKind = outcome.split(" ", 2)[0] + (outcome.startsWith("REFUSED") ? " " + outcome.split(" ")[1] : "");
            counts.merge(outcomeKind, 1, Integer::sum);
            report.append(m.name()).append('\t').append(m.description()).append('\t').append(outcome).append('\n');
            if (outcome.startsWith("CRASH") || outcome.startsWith("HANG") || outcome.startsWith("ERROR")) {
                System.out.println("hostile " + kind + " " + m.name() + " [" + m.description() + "]: " + outcome);
            }
        }
        report.append("# profile ").append(profile).append(", seed ").append(seed).append(": ").append(counts).append('\n');
        Path out = Path.of("target", "hostile-" + kind + "-" + profile + ".txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report);
        System.out.println("hostile " + kind + ", profile " + profile + ", " + mutants.size() + " files: " + counts
                + " (" + out + ")");
        return counts;
    }

    /** Runs the probe over {@code mutants}, a new child after each crash or hang; returns the outcome per file. */
    static Map<String, String> run(List<Mutant> mutants, String profile) throws Exception {
        Map<String, String> outcomes = new LinkedHashMap<>();
        int next = 0;
        while (next < mutants.size()) {
            List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                    "--enable-native-access=ALL-UNNAMED", "-Xss2m", "-Xmx512m",
                    "-D" + LlamaRuntime.PROFILE_PROPERTY + "=" + profile, "-cp", System.getProperty("java.class.path"),
                    HostileModelProbe.class.getName()));
            for (int i = next; i < mutants.size(); i++) {
                command.add(mutants.get(i).argument());
            }
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread reader = Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null;) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    // the child is gone; its exit status says how
                } finally {
                    lines.add("\u0000EOF");
                }
            });
            String current = null;
            boolean hung = false;
            ArrayDeque<String> said = new ArrayDeque<>(); // the child's last words: an abort's reason
            while (true) {
                String line = lines.poll(60, TimeUnit.SECONDS);
                if (line == null) {
                    hung = true;
                    process.destroyForcibly();
                    break;
                }
                if (line.equals("\u0000EOF")) {
                    break;
                }
                if (line.startsWith("BEGIN ")) {
                    current = line.substring(6);
                    said.clear();
                } else if (current != null && (line.startsWith("LOADED " + current) || line.startsWith("REFUSED " + current)
                        || line.startsWith("ERROR " + current))) {
                    outcomes.put(current, line.replace(" " + current, ""));
                    current = null;
                    next++;
                } else if (line.contains("GGML_ASSERT") || line.contains("error") || line.contains("terminate")
                        || line.contains("what()") || line.contains("SIGSEGV") || line.contains("abort")) {
                    said.add(line.strip());
                    if (said.size() > 3) {
                        said.removeFirst();
                    }
                }
            }
            process.waitFor(30, TimeUnit.SECONDS);
            reader.join(5000);
            if (current != null) {
                outcomes.put(current, (hung ? "HANG (no answer in 60 s)" : "CRASH exit " + process.exitValue())
                        + (said.isEmpty() ? "" : ": " + String.join(" | ", said)));
                next++;
            } else if (next < mutants.size() && !hung) {
                // The child ended between files: count the next one as the crash, so the run moves on.
                outcomes.put(mutants.get(next).name(), "CRASH exit " + process.exitValue()
                        + " (before BEGIN)");
                next++;
            }
        }
        return outcomes;
    }

}
