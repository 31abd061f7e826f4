package dev.rill.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.AdapterLoadException;
import dev.rill.Model;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdapterManifestTest {

    private static ManifestException invalid(String json) {
        return assertThrows(ManifestException.class, () -> AdapterManifest.parse(json, Path.of("/srv"), "test.json"));
    }

    @Test
    void aManifestDeclaresNamesPathsScalesAndLoading() {
        AdapterManifest manifest = AdapterManifest.parse("""
                {"adapters": [
                  {"name": "formal", "path": "lora/formal.gguf", "scale": 0.8, "load": "eager"},
                  {"name": "legal", "path": "/abs/legal.gguf"}
                ]}""", Path.of("/srv"), "test.json");
        assertEquals(List.of(new AdapterSpec("formal", Path.of("/srv/lora/formal.gguf"), 0.8f, LoadPolicy.EAGER),
                new AdapterSpec("legal", Path.of("/abs/legal.gguf"), 1f, LoadPolicy.LAZY)), manifest.adapters());
    }

    @Test
    void eachInvalidManifestNamesTheOffendingEntry() {
        assertTrue(invalid("{\"adapters\": [").getMessage().contains("is not valid JSON"));
        assertTrue(invalid("[]").getMessage().contains("must be a JSON object"));
        assertTrue(invalid("{}").getMessage().contains("\"adapters\" array"));
        assertTrue(invalid("{\"adapters\": [], \"cache\": 1}").getMessage().contains("unknown field \"cache\""));
        String base = "{\"name\": \"ok\", \"path\": \"ok.gguf\"}, ";
        record Case(String entry, String message) {
        }
        for (Case c : List.of(
                new Case("{\"path\": \"x.gguf\"}", "adapters[1]: \"name\" must be a non-empty string"),
                new Case("{\"name\": \"x\"}", "adapters[1] (\"x\"): \"path\" must be a non-empty string"),
                new Case("{\"name\": \"x\", \"path\": 3}", "adapters[1] (\"x\"): \"path\""),
                new Case("{\"name\": \"x\", \"path\": \"x.gguf\", \"scale\": \"high\"}",
                        "adapters[1] (\"x\"): \"scale\" must be a finite number"),
                new Case("{\"name\": \"x\", \"path\": \"x.gguf\", \"scale\": 1e300}",
                        "adapters[1] (\"x\"): \"scale\" must be a finite number"),
                new Case("{\"name\": \"x\", \"path\": \"x.gguf\", \"load\": \"soon\"}",
                        "adapters[1] (\"x\"): \"load\" must be \"lazy\" or \"eager\""),
                new Case("{\"name\": \"x\", \"path\": \"x.gguf\", \"sacle\": 1}",
                        "adapters[1] (\"x\"): unknown field \"sacle\""),
                new Case("{\"name\": \"ok\", \"path\": \"x.gguf\"}", "adapters[1] (\"ok\"): the name is already used by adapters[0]"),
                new Case("\"x.gguf\"", "adapters[1]: an entry must be an object"))) {
            ManifestException error = invalid("{\"adapters\": [" + base + c.entry() + "]}");
            assertTrue(error.getMessage().startsWith("Adapter manifest test.json, "), error.getMessage());
            assertTrue(error.getMessage().contains(c.message()), c.entry() + " -> " + error.getMessage());
        }
        var missing = assertThrows(ManifestException.class, () -> AdapterManifest.read(Path.of("/nonexistent/m.json")));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
    }

    @Test
    void aRegistryTakesAllOfAManifestOrNothing(@TempDir Path dir) throws IOException {
        Files.copy(Fixtures.plusTwo(), dir.resolve("plus-two.gguf"));
        Files.copy(Fixtures.letterMappingFile(), dir.resolve("mapping.gguf"));
        Path good = dir.resolve("good.json");
        Files.writeString(good, """
                {"adapters": [
                  {"name": "plus-two", "path": "plus-two.gguf", "load": "eager"},
                  {"name": "mapping", "path": "mapping.gguf", "scale": 0}
                ]}""");
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, """
                {"adapters": [
                  {"name": "first", "path": "plus-two.gguf", "load": "eager"},
                  {"name": "broken", "path": "bad.json"}
                ]}""");
        try (Model model = Fixtures.loadModel(); AdapterRegistry registry = AdapterRegistry.create(model)) {
            var error = assertThrows(ManifestException.class, () -> registry.registerAll(AdapterManifest.read(bad)));
            assertTrue(error.getMessage().contains("adapters[1] (\"broken\")"), error.getMessage());
            assertTrue(error.getMessage().contains("does not start with \"GGUF\""), error.getMessage());
            assertInstanceOf(AdapterLoadException.class, error.getCause());
            assertEquals(List.of(), registry.names(), "nothing registered");
            assertEquals(0, registry.stats().loads(), "nothing loaded: files are checked before eager loads");

            List<AdapterInfo> infos = registry.registerAll(AdapterManifest.read(good));
            assertEquals(List.of("plus-two", "mapping"), infos.stream().map(AdapterInfo::name).toList());
            assertEquals(AdapterState.LOADED, infos.get(0).state());
            assertEquals(AdapterState.REGISTERED, infos.get(1).state());
            assertEquals(AdapterRegistryTest.PLUS_TWO, AdapterRegistryTest.run(registry, AdapterSelection.of("plus-two"), 6));
            assertEquals(AdapterRegistryTest.BASE, AdapterRegistryTest.run(registry, AdapterSelection.of("mapping"), 6),
                    "its manifest scale is 0");

            var clash = assertThrows(ManifestException.class, () -> registry.registerAll(AdapterManifest.read(good)));
            assertTrue(clash.getMessage().contains("adapters[0] (\"plus-two\")"), clash.getMessage());
            assertTrue(clash.getMessage().contains("already registered"), clash.getMessage());
        }
    }
}
