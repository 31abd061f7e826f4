package dev.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The format detected from the real chat templates of llama.cpp's source (fetched at build time). */
class ChatFormatDetectionTest {

    @Test
    void eachFamilysTemplateImpliesItsFormat() throws IOException {
        Path templates = Path.of(System.getProperty("rill.templates.dir", "target/llama-templates"));
        assertTrue(Files.isRegularFile(templates.resolve("source.properties")),
                "llama.cpp's chat templates are not in " + templates.toAbsolutePath()
                        + " (./build -pl core generate-test-resources)");
        Map<String, ChatFormat> expected = Map.ofEntries(
                Map.entry("meta-llama-Llama-3.1-8B-Instruct", ChatFormat.LLAMA3),
                Map.entry("meta-llama-Llama-3.2-3B-Instruct", ChatFormat.LLAMA3),
                Map.entry("meta-llama-Llama-3.3-70B-Instruct", ChatFormat.LLAMA3),
                Map.entry("Qwen-Qwen3-0.6B", ChatFormat.HERMES),
                Map.entry("Qwen-Qwen2.5-7B-Instruct", ChatFormat.HERMES),
                Map.entry("Qwen-QwQ-32B", ChatFormat.HERMES),
                Map.entry("NousResearch-Hermes-3-Llama-3.1-8B-tool_use", ChatFormat.HERMES),
                Map.entry("mistralai-Mistral-Nemo-Instruct-2407", ChatFormat.MISTRAL),
                Map.entry("Mistral-Small-3.2-24B-Instruct-2506", ChatFormat.MISTRAL),
                Map.entry("unsloth-mistral-Devstral-Small-2507", ChatFormat.MISTRAL),
                Map.entry("openai-gpt-oss-120b", ChatFormat.HARMONY),
                Map.entry("deepseek-ai-DeepSeek-R1-Distill-Qwen-32B", ChatFormat.GENERIC),
                Map.entry("HuggingFaceTB-SmolLM3-3B", ChatFormat.GENERIC),
                Map.entry("google-gemma-2-2b-it", ChatFormat.GENERIC),
                Map.entry("microsoft-Phi-3.5-mini-instruct", ChatFormat.GENERIC),
                Map.entry("Qwen3-Coder", ChatFormat.GENERIC),
                Map.entry("meetkai-functionary-medium-v3.1", ChatFormat.GENERIC));
        for (var entry : expected.entrySet()) {
            String source = Files.readString(templates.resolve(entry.getKey() + ".jinja"));
            assertEquals(entry.getValue(), ChatFormat.detect(source), entry.getKey());
        }
    }

    @Test
    void aBuiltInTemplateNameOrNothingIsGeneric() {
        assertEquals(ChatFormat.GENERIC, ChatFormat.detect("chatml"));
        assertEquals(ChatFormat.GENERIC, ChatFormat.detect(null));
    }
}
