package dev.rill.benches;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;

/**
 * A bounded load on an OpenAI-compatible server (Rill's own or llama.cpp's {@code llama-server}): {@code clients}
 * concurrent clients, each sending streaming {@code /v1/completions} requests one after another until it has sent
 * {@code requests} of them or {@code seconds} have passed. Each request asks for {@code tokens} tokens at
 * temperature 0 and reads the server-sent events as they come.
 *
 * <p>Reported: aggregate generated tokens per second over the wall time, time to first token (p50, p99, max), how
 * many requests completed, failed (by HTTP status or error) or were cut off by the client, and, with
 * {@code --pid}, the server process's resident memory and thread count before and after. A client may disconnect
 * on purpose ({@code --disconnect P}: with probability P a request is abandoned after a random number of events),
 * which is how the server's clean-up after a disconnect is exercised. Loopback only: the driver refuses other hosts.
 * <pre>
 * java -cp benches/target/benchmarks.jar dev.rill.benches.ServerLoad --url http://127.0.0.1:8080 \
 *     --clients 4 --tokens 128 --requests 4 [--seconds 60] [--disconnect 0.2] [--pid PID] [--json FILE]
 * </pre>
 */
public final class ServerLoad {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What one run is asked to do. */
    record Options(URI url, String model, String prompt, int clients, int tokens, int requests, int seconds,
                   double disconnect, String apiKey, long pid, Path json, long seed) {

        static Options parse(String[] args) {
            Map<String, String> given = new TreeMap<>();
            for (int i = 0; i < args.length; i++) {
                if (!args[i].startsWith("--") || i + 1 >= args.length) {
                    throw new IllegalArgumentException("expected --name value pairs, got " + args[i]);
                }
                given.put(args[i].substring(2), args[++i]);
            }
            URI url = URI.create(given.getOrDefault("url", "http://127.0.0.1:8080"));
            String host = url.getHost();
            if (!"127.0.0.1".equals(host) && !"localhost".equals(host) && !"[::1]".equals(host)) {
                throw new IllegalArgumentException("the load driver only targets loopback, not " + host);
            }
            Options options = new Options(url, given.getOrDefault("model", "default"),
                    given.getOrDefault("prompt", "Once upon a time"),
                    Integer.parseInt(given.getOrDefault("clients", "4")),
                    Integer.parseInt(given.getOrDefault("tokens", "128")),
                    Integer.parseInt(given.getOrDefault("requests", "1")),
                    Integer.parseInt(given.getOrDefault("seconds", "0")),
                    Double.parseDouble(given.getOrDefault("disconnect", "0")),
                    given.get("api-key"),
                    Long.parseLong(given.getOrDefault("pid", "0")),
                    given.containsKey("json") ? Path.of(given.get("json")) : null,
                    Long.parseLong(given.getOrDefault("seed", "1")));
            if (options.clients < 1 || options.tokens < 1 || options.requests < 1 || options.seconds < 0
                    || options.disconnect < 0 || options.disconnect > 1) {
                throw new IllegalArgumentException("clients, tokens and requests must be positive, seconds not "
                        + "negative, disconnect in [0, 1]");
            }
            return options;
        }
    }

    /** How one request ended. */
    enum Outcome { COMPLETED, DISCONNECTED, FAILED }

    /** One request: when its first and last tokens came, how many, and how it ended. */
    record Sample(Outcome outcome, String detail, long startNanos, long firstTokenNanos, long endNanos, int tokens) {
    }

    private final Options options;
    private final HttpClient http;
    private final ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();

    ServerLoad(Options options) {
        this.options = options;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        ProcessFigures before = ProcessFigures.of(options.pid());
        ServerLoad load = new ServerLoad(options);
        long start = System.nanoTime();
        load.run();
        long wall = System.nanoTime() - start;
        // Give the server a moment to free what the last requests held before its figures are read again.
        Thread.sleep(2_000);
        ProcessFigures after = ProcessFigures.of(options.pid());
        Report report = Report.of(options, List.copyOf(load.samples), wall, before, after);
        System.out.println(report.text());
        if (options.json() != null) {
            Files.writeString(options.json(), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report.json()));
        }
    }

    Options options() {
        return options;
    }

    List<Sample> samples() {
        return List.copyOf(samples);
    }

    void run() throws InterruptedException {
        long deadline = options.seconds() > 0 ? System.nanoTime() + options.seconds() * 1_000_000_000L : Long.MAX_VALUE;
        CountDownLatch done = new CountDownLatch(options.clients());
        for (int c = 0; c < options.clients(); c++) {
            SplittableRandom random = new SplittableRandom(options.seed() * 1_000_003L + c);
            Thread.ofPlatform().name("load-client-" + c).start(() -> {
                try {
                    for (int r = 0; (options.seconds() > 0 || r < options.requests())
                            && System.nanoTime() < deadline; r++) {
                        int cutAfter = random.nextDouble() < options.disconnect()
                                ? 1 + random.nextInt(Math.max(1, options.tokens() - 1)) : -1;
                        samples.add(request(cutAfter));
                    }
                } finally {
                    done.countDown();
                }
            });
        }
        done.await();
    }

    /** Sends one streaming request; abandons it after {@code cutAfter} token events when that is positive. */
    Sample request(int cutAfter) {
        long start = System.nanoTime();
        ObjectNode body = JSON.createObjectNode()
                .put("model", options.model()).put("prompt", options.prompt())
                .put("max_tokens", options.tokens()).put("temperature", 0.0).put("stream", true)
                // llama-server stops at an end-of-generation token unless told otherwise; a random-weight model
                // may pick one early, and both servers must be asked for the same number of tokens.
                .put("ignore_eos", true);
        body.putObject("stream_options").put("include_usage", true);
        HttpRequest.Builder request = HttpRequest.newBuilder(options.url().resolve("/v1/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (options.apiKey() != null) {
            request.header("Authorization", "Bearer " + options.apiKey());
        }
        long first = 0;
        int tokens = 0;
        try {
            HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream stream = response.body();
                 BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                if (response.statusCode() != 200) {
                    String error = new String(stream.readAllBytes(), StandardCharsets.UTF_8);
                    return new Sample(Outcome.FAILED, "HTTP " + response.statusCode() + " "
                            + error.substring(0, Math.min(200, error.length())), start, 0, System.nanoTime(), 0);
                }
                int usageTokens = -1;
                String line;
                while ((line = reader.readLine()) != null) {
                    if (!line.startsWith("data:")) {
                        continue;
                    }
                    String data = line.substring(5).strip();
                    if (data.equals("[DONE]")) {
                        break;
                    }
                    JsonNode event = JSON.readTree(data);
                    JsonNode usage = event.path("usage");
                    if (usage.has("completion_tokens")) {
                        usageTokens = usage.get("completion_tokens").asInt();
                    }
                    JsonNode choices = event.path("choices");
                    if (choices.isArray() && !choices.isEmpty() && !choices.get(0).path("text").asText("").isEmpty()) {
                        if (first == 0) {
                            first = System.nanoTime();
                        }
                        tokens++;
                        if (cutAfter > 0 && tokens >= cutAfter) {
                            return new Sample(Outcome.DISCONNECTED, "after " + tokens + " events", start, first,
                                    System.nanoTime(), tokens);
                        }
                    }
                }
                return new Sample(Outcome.COMPLETED, "", start, first, System.nanoTime(),
                        usageTokens >= 0 ? usageTokens : tokens);
            }
        } catch (IOException e) {
            return new Sample(Outcome.FAILED, e.getClass().getSimpleName() + ": " + e.getMessage(), start, first,
                    System.nanoTime(), tokens);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Sample(Outcome.FAILED, "interrupted", start, first, System.nanoTime(), tokens);
        }
    }

    /** The server process's resident memory and thread count, from {@code /proc}; empty without a pid. */
    record ProcessFigures(long residentKb, long threads) {
        static ProcessFigures of(long pid) throws IOException {
            if (pid <= 0) {
                return new ProcessFigures(-1, -1);
            }
            long rss = -1;
            long threads = -1;
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
                } else if (line.startsWith("Threads:")) {
                    threads = Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            return new ProcessFigures(rss, threads);
        }
    }

    /** The figures of a run. */
    record Report(Options options, long wallNanos, int completed, int disconnected, int failed, long tokens,
                  double tokensPerSecond, double ttftP50Ms, double ttftP99Ms, double ttftMaxMs,
                  Map<String, Integer> failures, ProcessFigures before, ProcessFigures after) {

        static Report of(Options options, List<Sample> samples, long wallNanos, ProcessFigures before,
                         ProcessFigures after) {
            int completed = 0;
            int disconnected = 0;
            int failed = 0;
            long tokens = 0;
            List<Double> ttft = new ArrayList<>();
            Map<String, Integer> failures = new TreeMap<>();
            for (Sample sample : samples) {
                tokens += sample.tokens();
                switch (sample.outcome()) {
                    case COMPLETED -> completed++;
                    case DISCONNECTED -> disconnected++;
                    case FAILED -> {
                        failed++;
                        failures.merge(sample.detail(), 1, Integer::sum);
                    }
                }
                if (sample.firstTokenNanos() > 0) {
                    ttft.add((sample.firstTokenNanos() - sample.startNanos()) / 1e6);
                }
            }
            Collections.sort(ttft);
            return new Report(options, wallNanos, completed, disconnected, failed, tokens,
                    tokens / (wallNanos / 1e9), percentile(ttft, 0.50), percentile(ttft, 0.99),
                    ttft.isEmpty() ? Double.NaN : ttft.getLast(), failures, before, after);
        }

        static double percentile(List<Double> sorted, double p) {
            if (sorted.isEmpty()) {
                return Double.NaN;
            }
            int index = (int) Math.ceil(p * sorted.size()) - 1;
            return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
        }

        String text() {
            StringBuilder out = new StringBuilder();
            out.append(String.format(Locale.ROOT, "load: %s, %d clients, %d tokens each, %s%n", options.url(),
                    options.clients(), options.tokens(), options.seconds() > 0 ? options.seconds() + " s"
                            : options.requests() + " requests per client"));
            out.append(String.format(Locale.ROOT,
                    "requests: %d completed, %d cut off by the client, %d failed; %d tokens in %.1f s%n",
                    completed, disconnected, failed, tokens, wallNanos / 1e9));
            out.append(String.format(Locale.ROOT,
                    "aggregate: %.1f tokens/s; time to first token p50 %.0f ms, p99 %.0f ms, max %.0f ms%n",
                    tokensPerSecond, ttftP50Ms, ttftP99Ms, ttftMaxMs));
            failures.forEach((what, count) -> out.append(String.format(Locale.ROOT, "failed %d x %s%n", count, what)));
            if (before.residentKb() >= 0) {
                out.append(String.format(Locale.ROOT, "server: resident %,d kB -> %,d kB, threads %d -> %d%n",
                        before.residentKb(), after.residentKb(), before.threads(), after.threads()));
            }
            return out.toString();
        }

        Map<String, Object> json() {
            Map<String, Object> json = new TreeMap<>();
            json.put("url", options.url().toString());
            json.put("clients", options.clients());
            json.put("tokens", options.tokens());
            json.put("completed", completed);
            json.put("disconnected", disconnected);
            json.put("failed", failed);
            json.put("failures", failures);
            json.put("generated_tokens", tokens);
            json.put("wall_seconds", wallNanos / 1e9);
            json.put("tokens_per_second", tokensPerSecond);
            json.put("ttft_p50_ms", ttftP50Ms);
            json.put("ttft_p99_ms", ttftP99Ms);
            json.put("server_rss_kb_before", before.residentKb());
            json.put("server_rss_kb_after", after.residentKb());
            json.put("server_threads_before", before.threads());
            json.put("server_threads_after", after.threads());
            return json;
        }
    }
}
