package dev.rill.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rill.testkit.ModelFiles;
import dev.rill.testkit.TestModels;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The chat page at {@code /}: served without a key, and driven in headless Chromium (Debian's {@code chromium}
 * through {@code playwright-core}, installed by {@code .ci/run}; see src/test/js) to stream a reply from the base
 * model and from an adapter, to stop a long reply, which cancels its generation, and to show a thinking model's
 * reasoning in a collapsed block.
 */
class ChatPageTest {
    private static final String KEY = "page-key";
    private static final Path SCRIPT_DIR = Path.of("src", "test", "js");
    private static ServerFixture fixture;
    private static ServerFixture thinking;

    @BeforeAll
    static void start() {
        fixture = ServerFixture.start(2, 2048, b -> b.apiKey(KEY));
        thinking = ServerFixture.serve(ModelFiles.file("server-thinking.gguf",
                TestModels.plusOne().withChatTemplate(ReasoningTest.THINKING_TEMPLATE)::write), ServerFixture.options(1, 512));
    }

    @AfterAll
    static void stop() {
        fixture.close();
        thinking.close();
    }

    @Test
    void thePageIsServedWithoutAKeyAndTalksToTheChatRoute() throws Exception {
        var response = fixture.get("/");
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("content-type").orElseThrow().startsWith("text/html"));
        assertTrue(response.body().contains("/v1/chat/completions") && response.body().contains("/v1/models"));
    }

    @Test
    void inHeadlessChromiumThePageStreamsRepliesPicksAdaptersAndStops() throws Exception {
        String chromium = System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium");
        Assumptions.assumeTrue(new File(chromium).canExecute(), "no Chromium at " + chromium
                + " (apt-get install chromium; .ci/run installs it)");
        Assumptions.assumeTrue(Files.isDirectory(SCRIPT_DIR.resolve("node_modules/playwright-core")),
                "playwright-core is not installed in " + SCRIPT_DIR + " (npm install there; .ci/run does it)");
        Process node = new ProcessBuilder("node", "chat-page.mjs", fixture.server.uri().toString(), KEY,
                thinking.server.uri().toString())
                .directory(SCRIPT_DIR.toFile()).redirectErrorStream(true).start();
        boolean ended = node.waitFor(120, TimeUnit.SECONDS);
        String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!ended) {
            node.destroyForcibly();
        }
        assertTrue(ended, "the browser run ended: " + output);
        assertEquals(0, node.exitValue(), output);
        String last = output.strip().lines().reduce((a, b) -> b).orElseThrow();
        JsonNode seen = ServerFixture.json(last);
        assertEquals(List.of("plus-one", "plus-one:plus-two"),
                ServerFixture.JSON.convertValue(seen.get("models"), List.class));
        assertEquals("abcdef", seen.get("base").get("content").asText());
        assertEquals("length", seen.get("base").get("finish").asText());
        assertEquals("acegik", seen.get("adapter").get("content").asText());
        assertEquals("stopped", seen.get("stopped").get("finish").asText());
        assertTrue(seen.get("stopped").get("length").asInt() < 1500, last);
        fixture.awaitStats(s -> s.activeSequences() == 0, "the stopped reply's generation cancelled");
        assertEquals("abcdef", seen.get("thinking").get("reasoning").asText());
        assertEquals("", seen.get("thinking").get("content").asText());
        assertEquals("collapsed", seen.get("thinking").get("reasoningShown").asText());
        assertEquals("none", seen.get("base").get("reasoningShown").asText());
    }
}
