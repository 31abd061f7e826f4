package dev.rill.benches;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SpeedTable on synthetic JMH and llama-bench JSON: rates, names, ratios and verdicts. */
class SpeedTableTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One ProfileSpeedBenchmark run in average-time mode, one fork with the given iterations in ms/op. */
    private static String jmh(String method, String model, String profile, String work, String... ms) {
        String profileParam = profile == null ? "" : ",\"profile\":\"" + profile + "\"";
        return """
                {"benchmark":"dev.rill.benches.ProfileSpeedBenchmark.%s","mode":"avgt",
                 "params":{"model":"%s","work":"%s"%s},
                 "primaryMetric":{"score":0,"scoreUnit":"ms/op","rawData":[[%s]]}}
                """.formatted(method, model, work, profileParam, String.join(",", ms));
    }

    /** One llama-bench test as its JSON output writes it (the fields SpeedTable reads). */
    private static String llamaBench(int prompt, int generated, int flashAttention, String... tokensPerSecond) {
        return """
                {"model_filename":"/models/tinyllama-q4_0.gguf","n_prompt":%d,"n_gen":%d,"flash_attn":%d,
                 "samples_ts":[%s]}
                """.formatted(prompt, generated, flashAttention, String.join(",", tokensPerSecond));
    }

    @Test
    void turnsTimesIntoTokensPerSecondAndJudgesTheGoals() throws IOException {
        String jmh = "[" + String.join(",",
                jmh("rill", "tinyllama-q4_0", "current", "pp128", "1000", "1280", "800"),
                jmh("rill", "tinyllama-q4_0", "current", "tg32", "1000", "1000", "1000"),
                jmh("raw", "tinyllama-q4_0", "current", "pp128", "1000"),
                jmh("raw", "tinyllama-q4_0", "current", "tg32", "960"),
                jmh("peer", "tinyllama-q4_0", null, "tg32", "2000")) + "]";
        String bench = "[" + String.join(",", llamaBench(128, 0, 0, "130", "128", "120"),
                llamaBench(0, 32, 0, "32", "33", "31")) + "]";

        List<SpeedTable.Cell> cells = new ArrayList<>(SpeedTable.readJmh(JSON.readTree(jmh)));
        cells.addAll(SpeedTable.readLlamaBench(JSON.readTree(bench), Path.of("prebuilt-tinyllama-q4_0.json")));

        SpeedTable.Cell prompt = cells.getFirst();
        assertEquals("Rill, current", prompt.implementation());
        assertArrayEquals(new double[] {128, 100, 160}, prompt.rates(), 1e-9);
        assertEquals(128, prompt.median(), 1e-9);
        SpeedTable.Cell peer = cells.get(4);
        assertEquals("de.kherud:llama (b4916)", peer.implementation());
        assertEquals(16, peer.median(), 1e-9);
        SpeedTable.Cell anchor = cells.get(5);
        assertEquals("llama-bench prebuilt, fa off", anchor.implementation());
        assertEquals("pp128", anchor.work());
        assertEquals("tinyllama-q4_0", anchor.model());
        assertEquals("tg32", cells.get(6).work());

        // A later JMH run replaces an earlier one; later llama-bench repetitions join the earlier ones.
        cells.addAll(SpeedTable.readJmh(JSON.readTree("[" + jmh("peer", "tinyllama-q4_0", null, "tg32", "1000") + "]")));
        cells.addAll(SpeedTable.readLlamaBench(JSON.readTree("[" + llamaBench(0, 32, 1, "40") + "]"),
                Path.of("prebuilt-tinyllama-q4_0.json")));
        cells.addAll(SpeedTable.readLlamaBench(JSON.readTree("[" + llamaBench(0, 32, 1, "20", "30") + "]"),
                Path.of("prebuilt-tinyllama-q4_0.json")));

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SpeedTable.print(cells, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("| tinyllama-q4_0 | Rill, current | 128.0 | 100.0-160.0 | 32.0 | 32.0-32.0 |"), out);
        // 128 / 128 and 32 / 32: both at or over 0.95.
        // Medians 128 / 128 and 32 / 32; best 160 / 130 and 32 / 33.
        assertTrue(out.contains("| tinyllama-q4_0 | Rill, current / llama-bench prebuilt, fa off | 1.000 | 1.231 | 1.000 "
                + "| 0.970 | ≥ 0.95 | met | met |"), out);
        assertTrue(out.contains("| tinyllama-q4_0 | de.kherud:llama (b4916) |  |  | 32.0 | 32.0-32.0 |"), out);
        assertTrue(out.contains("| tinyllama-q4_0 | llama-bench prebuilt, fa on |  |  | 30.0 | 20.0-40.0 |"), out);
        // Decode 32 / 33.33 = 0.96 < 0.98.
        assertTrue(out.contains("| tinyllama-q4_0 | Rill, current / raw loop, current | 1.000 | 1.250 | 0.960 | 0.960 "
                + "| ≥ 0.98 | not met (decode) | not met (decode) |"), out);
    }
}
