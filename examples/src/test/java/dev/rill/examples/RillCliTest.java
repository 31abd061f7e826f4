package dev.rill.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rill.testkit.TestModels;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RillCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = RillCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Run runWithInput(String input, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = RillCli.run(args, new java.io.ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Runs the command line in a JVM of its own: a JVM loads one llama.cpp. */
    private static Run runInChildJvm(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                RillCli.class.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).start();
        byte[] err = process.getErrorStream().readAllBytes();
        byte[] out = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(120, java.util.concurrent.TimeUnit.SECONDS));
        return new Run(process.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void theCurrentReleaseRunsByDefaultAndVerboseSaysWhichBackendRuns() throws Exception {
        Run run = runInChildJvm("--verbose", "-n", "5", "--threads", "1");
        assertEquals(0, run.exit(), run.err());
        assertEquals("abc" + TestModels.plusOne().expectedText("abc", 5) + "\n", run.out());
        assertTrue(run.err().contains("(profile current)"), run.err());
        assertTrue(run.err().contains("rill-native-linux-x64"), run.err());
        assertTrue(run.err().matches("(?s).*CPU variant: \\w+; devices: CPU: .*"), run.err());
    }

    @Test
    void theB4916ProfileGivesTheSameStream() throws Exception {
        Run run = runInChildJvm("--llama", "b4916", "--verbose", "-n", "5", "--threads", "1");
        assertEquals(0, run.exit(), run.err());
        assertEquals("abc" + TestModels.plusOne().expectedText("abc", 5) + "\n", run.out());
        assertTrue(run.err().contains("llama.cpp b4916 (profile b4916)"), run.err());
    }

    @Test
    void anUnknownProfileIsAUsageError() {
        Run run = run("--llama", "b9999");
        assertEquals(2, run.exit());
        assertTrue(run.err().contains("--llama: unknown llama.cpp profile \"b9999\": use current or b4916"), run.err());
    }

    @Test
    void withoutArgumentsItStreamsTheRiggedModelsKnownContinuation() {
        Run run = run("--threads", "1");
        assertEquals(0, run.exit(), run.err());
        assertEquals("abc" + TestModels.plusOne().expectedText("abc", 64) + "\n", run.out());
        assertTrue(run.err().contains("rigged model"), run.err());
        assertTrue(run.err().contains("MAX_TOKENS"), run.err());
    }

    @Test
    void jsonPrintsOneObjectPerTokenThenTheResult() throws Exception {
        Run run = run("--json", "-n", "3", "-p", "xyz", "--threads", "1");
        assertEquals(0, run.exit(), run.err());
        List<String> lines = run.out().lines().toList();
        assertEquals(4, lines.size(), run.out());
        for (int i = 0; i < 3; i++) {
            JsonNode token = JSON.readTree(lines.get(i));
            assertEquals(i, token.get("index").asInt());
            assertEquals(3 + "{|}".charAt(i), token.get("id").asInt());
            assertEquals(String.valueOf("{|}".charAt(i)), token.get("text").asText());
            assertEquals(1.0, token.get("probability").asDouble());
            assertEquals(16.0, token.get("logit").asDouble(), 1e-3);
            assertFalse(token.get("eos").asBoolean());
        }
        JsonNode result = JSON.readTree(lines.get(3));
        assertEquals("MAX_TOKENS", result.get("finish_reason").asText());
        assertEquals(4, result.get("prompt_tokens").asInt());
        assertEquals(3, result.get("generated_tokens").asInt());
        assertEquals("{|}", result.get("text").asText());
        assertTrue(result.has("time_to_first_token_ms"));
        assertTrue(result.has("generated_tokens_per_second"));
    }

    @Test
    void stopStringsEndTheStream(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("utf8.gguf");
        TestModels.utf8().write(model);
        Run run = run("--model", model.toString(), "--prompt", "x", "--stop", "😀", "--threads", "1", "--json");
        assertEquals(0, run.exit(), run.err());
        JsonNode result = JSON.readTree(run.out().lines().toList().getLast());
        assertEquals("STOP_STRING", result.get("finish_reason").asText());
        assertEquals("é€", result.get("text").asText());
    }

    @Test
    void badArgumentsPrintUsageAndExitTwo() {
        for (String[] args : List.of(new String[] {"--max-tokens", "0"}, new String[] {"--bogus"},
                new String[] {"--model"}, new String[] {"--temperature", "-1"}, new String[] {"--threads", "x"})) {
            Run run = run(args);
            assertEquals(2, run.exit(), String.join(" ", args));
            assertTrue(run.err().contains("Usage: rill"), run.err());
        }
    }

    @Test
    void aBadModelExitsOneWithTheReason(@TempDir Path dir) throws Exception {
        Run missing = run("--model", dir.resolve("missing.gguf").toString());
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("does not exist"), missing.err());
        Path notGguf = dir.resolve("not.gguf");
        Files.writeString(notGguf, "hello");
        Run wrong = run("--model", notGguf.toString());
        assertEquals(1, wrong.exit());
        assertTrue(wrong.err().contains("is not a GGUF file"), wrong.err());
    }

    @Test
    void parallelRunsLabelledStreamsAndReportsTheAggregateRate() {
        Run run = run("--parallel", "3", "-n", "5", "-p", "abc", "--threads", "1");
        assertEquals(0, run.exit(), run.err());
        List<String> lines = run.out().lines().toList();
        assertEquals(List.of("[stream 0] abcdefgh", "[stream 1] abcdefgh", "[stream 2] abcdefgh"), lines);
        assertTrue(run.err().contains("3 streams, 15 tokens in"), run.err());
        assertTrue(run.err().contains("seed"), run.err());
    }

    @Test
    void parallelJsonLabelsEveryLineWithItsStream() throws Exception {
        Run run = run("--parallel", "2", "-n", "2", "--json", "--threads", "1", "--seed", "10");
        assertEquals(0, run.exit(), run.err());
        List<JsonNode> lines = new java.util.ArrayList<>();
        for (String line : run.out().lines().toList()) {
            lines.add(JSON.readTree(line));
        }
        assertEquals(2 * 2 + 2 + 1, lines.size(), run.out());
        assertEquals(2, lines.stream().filter(n -> n.has("finish_reason")).count());
        assertEquals(List.of(10L, 11L), lines.stream().filter(n -> n.has("finish_reason"))
                .map(n -> n.get("seed").asLong()).toList());
        assertEquals(4, lines.getLast().get("generated_tokens").asInt());
    }

    @Test
    void loraFilesRunAtTheirScalesAndMix(@TempDir Path dir) throws Exception {
        Path plusTwo = dir.resolve("plus-two.gguf");
        TestModels.plusTwoAdapter().write(plusTwo);
        Path copy = dir.resolve("copy.gguf");
        TestModels.plusTwoAdapter().write(copy);
        String plusTwoText = TestModels.plusTwo().expectedText("abc", 6);
        Run one = run("--lora", plusTwo.toString(), "-n", "6", "--threads", "1");
        assertEquals(0, one.exit(), one.err());
        assertEquals("abc" + plusTwoText + "\n", one.out());
        Run zero = run("--lora", plusTwo + "=0", "-n", "6", "--threads", "1");
        assertEquals("abc" + TestModels.plusOne().expectedText("abc", 6) + "\n", zero.out(), "scale 0 is the base");
        Run mix = run("--lora", plusTwo + "=0.5", "--lora", copy + "=0.5", "-n", "6", "--threads", "1");
        assertEquals("abc" + plusTwoText + "\n", mix.out(), "two halves make the whole update");
        Run parallel = run("--lora", plusTwo.toString(), "--parallel", "2", "-n", "6", "--threads", "1");
        assertEquals(0, parallel.exit(), parallel.err());
        assertEquals(List.of("[stream 0] abc" + plusTwoText, "[stream 1] abc" + plusTwoText), parallel.out().lines().toList());
    }

    @Test
    void aLoraManifestRegistersItsAdaptersAndLoraPicksThemByName(@TempDir Path dir) throws Exception {
        TestModels.plusTwoAdapter().write(dir.resolve("plus-two.gguf"));
        Path manifest = dir.resolve("adapters.json");
        Files.writeString(manifest, """
                {"adapters": [{"name": "plus-two", "path": "plus-two.gguf", "scale": 1.0, "load": "eager"}]}""");
        Run all = run("--lora-manifest", manifest.toString(), "-n", "6", "--threads", "1");
        assertEquals(0, all.exit(), all.err());
        assertEquals("abc" + TestModels.plusTwo().expectedText("abc", 6) + "\n", all.out());
        Run named = run("--lora-manifest", manifest.toString(), "--lora", "plus-two=0", "-n", "6", "--threads", "1");
        assertEquals(0, named.exit(), named.err());
        assertEquals("abc" + TestModels.plusOne().expectedText("abc", 6) + "\n", named.out());

        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"adapters\": [{\"name\": \"x\", \"path\": \"plus-two.gguf\", \"scale\": \"big\"}]}");
        Run invalid = run("--lora-manifest", bad.toString(), "--threads", "1");
        assertEquals(1, invalid.exit());
        assertTrue(invalid.err().contains("adapters[0] (\"x\"): \"scale\" must be a finite number"), invalid.err());
    }

    @Test
    void aBadLoraExitsWithTheReason(@TempDir Path dir) {
        Run missing = run("--lora", dir.resolve("missing.gguf").toString(), "--threads", "1");
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("does not exist"), missing.err());
        Run notAdapter = run("--lora", dir.toString(), "--threads", "1");
        assertEquals(1, notAdapter.exit());
        assertTrue(notAdapter.err().contains("not a regular file"), notAdapter.err());
        for (String[] args : List.of(new String[] {"--lora"}, new String[] {"--lora", "x.gguf=NaN"},
                new String[] {"--lora", "=1"}, new String[] {"--lora-manifest"})) {
            Run run = run(args);
            assertEquals(2, run.exit(), String.join(" ", args));
            assertTrue(run.err().contains("Usage: rill"), run.err());
        }
    }

    @Test
    void samplerFlagsBuildTheChainAndBadValuesAreUsageErrors() throws Exception {
        // With top-k 1 only the most likely token survives, whatever the temperature.
        Run topK = run("--temperature", "5", "--top-k", "1", "--seed", "3", "-n", "4", "--json", "--threads", "1");
        assertEquals(0, topK.exit(), topK.err());
        assertEquals("defg", JSON.readTree(topK.out().lines().toList().getLast()).get("text").asText());
        for (String[] args : List.of(new String[] {"--top-p", "1.5"}, new String[] {"--min-p", "0"},
                new String[] {"--typical", "-1"}, new String[] {"--repeat-penalty", "0"}, new String[] {"--top-k", "-2"})) {
            Run bad = run(args);
            assertEquals(2, bad.exit(), String.join(" ", args) + ": " + bad.err());
        }
    }

    @Test
    void aGrammarConstrainsTheOutput(@TempDir Path dir) throws Exception {
        Path grammar = dir.resolve("digits.gbnf");
        Files.writeString(grammar, "root ::= [0-9] [0-9] [0-9]\n");
        Run run = run("--grammar", grammar.toString(), "-p", "abc", "-n", "10", "--json", "--threads", "1");
        assertEquals(0, run.exit(), run.err());
        JsonNode result = JSON.readTree(run.out().lines().toList().getLast());
        assertTrue(result.get("text").asText().matches("[0-9]{3}"), result.toString());
        assertEquals("END_OF_SEQUENCE", result.get("finish_reason").asText());

        Path broken = dir.resolve("broken.gbnf");
        Files.writeString(broken, "root ::= [0-9\n");
        Run bad = run("--grammar", broken.toString(), "--threads", "1");
        assertEquals(1, bad.exit());
        assertTrue(bad.err().contains("line 1"), bad.err());
    }

    @Test
    void aJsonSchemaConstrainsTheOutputToMatchingJson(@TempDir Path dir) throws Exception {
        Path schema = dir.resolve("schema.json");
        Files.writeString(schema, "{\"type\": \"string\", \"enum\": [\"abc\", \"xyz\"]}");
        Run run = run("--json-schema", schema.toString(), "-p", "q", "-n", "20", "--json", "--threads", "1");
        assertEquals(0, run.exit(), run.err());
        String text = JSON.readTree(run.out().lines().toList().getLast()).get("text").asText();
        assertTrue(List.of("abc", "xyz").contains(JSON.readTree(text).asText()), text);
    }

    @Test
    void helpPrintsUsage() {
        Run run = run("--help");
        assertEquals(0, run.exit());
        assertTrue(run.out().startsWith("Usage: rill"));
    }

    @Test
    void chatKeepsTheConversationAndSavesLoadsAndResetsIt(@TempDir Path dir) {
        Path state = dir.resolve("chat.state");
        String reply = TestModels.plusOne().expectedText("\n", 5);
        Run run = runWithInput(String.join("\n", "abc", "/save " + state, "/reset", "xyz", "/load " + state, "mno",
                "/exit", "never sent") + "\n", "--chat", "--system", "Add one.", "-n", "5", "--threads", "1");
        assertEquals(0, run.exit(), run.err());
        assertEquals(String.join("\n", reply, reply, reply) + "\n", run.out());
        assertTrue(Files.exists(state));
        assertTrue(run.err().contains("[saved 3 messages to " + state + "]"), run.err());
        assertTrue(run.err().contains("[conversation reset]"), run.err());
        assertTrue(run.err().contains("[loaded 3 messages from " + state + "]"), run.err());
        // The turn after the load evaluates only what the restored cells lack.
        String lastSummary = run.err().lines().filter(line -> line.contains("reused")).reduce((a, b) -> b).orElseThrow();
        assertFalse(lastSummary.contains("reused 0 prompt"), lastSummary);
    }

    @Test
    void aChatLoadOfABadFileSaysWhyAndTheConversationGoesOn(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.state");
        Files.writeString(bad, "not a state");
        String reply = TestModels.plusOne().expectedText("\n", 4);
        Run run = runWithInput("abc\n/load " + bad + "\n/load\n/what\nxyz\n", "--chat", "-n", "4", "--threads", "1");
        assertEquals(1, run.exit(), run.err());
        assertEquals(reply + "\n" + reply + "\n", run.out());
        assertTrue(run.err().contains("not a Rill chat session state"), run.err());
        assertTrue(run.err().contains("the conversation goes on as it was"), run.err());
        assertTrue(run.err().contains("/load needs a file"), run.err());
        assertTrue(run.err().contains("unknown command /what"), run.err());
    }

    @Test
    void systemWithoutChatIsAUsageError() {
        Run run = run("--system", "x");
        assertEquals(2, run.exit());
        assertTrue(run.err().contains("--system needs --chat"), run.err());
    }
}
