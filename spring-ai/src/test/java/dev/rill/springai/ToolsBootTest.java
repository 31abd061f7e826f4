package dev.rill.springai;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A Spring Boot application with Rill's starter and a {@code @Tool} bean: Spring AI's {@code ChatClient} over the
 * auto-configured chat model runs the tool the rigged model calls and returns the model's answer to its result.
 */
@SpringBootTest(classes = ToolsBootTest.App.class)
class ToolsBootTest {

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
        @Bean
        WeatherTools weatherTools() {
            return new WeatherTools();
        }

        @Bean
        ChatClient chatClient(ChatModel chatModel, WeatherTools tools) {
            return ChatClient.builder(chatModel).defaultTools(tools).build();
        }
    }

    /** A tool bean that records its calls. */
    static class WeatherTools {
        final List<String> cities = new CopyOnWriteArrayList<>();

        @Tool(description = "The current weather in a city")
        String weather(String city) {
            cities.add(city);
            return "sunny in " + city;
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("rill.model.path", () -> Fixtures.callsToolFile().toString());
        registry.add("rill.model.context-size", () -> "1024");
        registry.add("rill.model.threads", () -> "1");
        registry.add("rill.chat.max-tokens", () -> "100");
    }

    @Autowired
    ChatClient chat;

    @Autowired
    WeatherTools tools;

    @Test
    void chatClientCallsTheToolBeanThenAnswers() {
        tools.cities.clear();

        assertEquals("SUN", chat.prompt("What is the weather in Munich?").call().content());
        assertEquals(List.of("Munich"), tools.cities);
    }

    @Test
    void chatClientStreamsTheAnswerAfterTheToolBeanRan() {
        tools.cities.clear();

        String answer = chat.prompt("What is the weather in Munich?").stream().content()
                .collect(Collectors.joining()).block(Duration.ofSeconds(30));

        assertEquals("SUN", answer);
        assertEquals(List.of("Munich"), tools.cities);
    }
}
