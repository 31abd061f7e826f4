package dev.rill.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.Model;
import dev.rill.ModelOptions;
import dev.rill.adapters.AdapterRegistry;
import dev.rill.adapters.ManifestException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The builder checks each option when it is set, and start() registers a manifest or fails cleanly. */
class RillServerBuilderTest {
    private static Model model;

    @BeforeAll
    static void load() {
        model = Model.load(ServerFixture.plusOneFile(), ModelOptions.builder().contextSize(256).threads(1).build());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void invalidOptionsAreRefusedWhenSetNamingTheValue() {
        RillServer.Builder builder = RillServer.builder(model);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> builder.port(70000)).getMessage()
                .contains("70000"));
        assertThrows(IllegalArgumentException.class, () -> builder.apiKey(" "));
        assertThrows(IllegalArgumentException.class, () -> builder.maxBodyBytes(0));
        assertThrows(IllegalArgumentException.class, () -> builder.shutdownGrace(Duration.ofSeconds(-1)));
        assertThrows(IllegalArgumentException.class, () -> builder.sendBufferBytes(10));
        assertThrows(IllegalArgumentException.class, () -> builder.modelId("a:b"));
        builder.port(0);
        assertThrows(IllegalStateException.class, () -> builder.port(1));
    }

    @Test
    void aRegistryOfAnotherModelIsRefused() {
        try (Model other = Model.load(ServerFixture.plusOneFile(), ModelOptions.builder().contextSize(64).threads(1)
                .build()); AdapterRegistry registry = AdapterRegistry.create(other)) {
            assertThrows(IllegalArgumentException.class, () -> RillServer.builder(model).adapters(registry));
        }
    }

    @Test
    void theManifestsAdaptersAreServedAndAModelIdComesFromTheFileName(@TempDir Path dir) throws Exception {
        Path manifest = dir.resolve("adapters.json");
        Files.writeString(manifest, "{\"adapters\": [{\"name\": \"two\", \"path\": \""
                + ServerFixture.plusTwoFile().toString().replace("\\", "\\\\") + "\"}]}");
        try (RillServer server = RillServer.builder(model).port(0).adapterManifest(manifest).start()) {
            assertEquals("plus-one", server.modelId());
            assertEquals(java.util.List.of("two"), server.adapters().names());
            assertEquals("127.0.0.1", server.uri().getHost());
        }
    }

    @Test
    void aBrokenManifestFailsStartWithTheReason(@TempDir Path dir) throws Exception {
        Path manifest = dir.resolve("adapters.json");
        Files.writeString(manifest, "{\"adapters\": [{\"name\": \"missing\", \"path\": \"nowhere.gguf\"}]}");
        ManifestException e = assertThrows(ManifestException.class,
                () -> RillServer.builder(model).port(0).adapterManifest(manifest).start());
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }
}
