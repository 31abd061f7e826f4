package dev.rill.examples.springchat;

import dev.rill.testkit.LlamaModel;
import dev.rill.testkit.ModelFiles;
import dev.rill.testkit.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * A Spring Boot WebFlux application that streams chat replies as server-sent events through Spring AI's
 * {@link ChatClient} on an in-process Rill model ({@link ChatController}).
 *
 * <p>The model comes from Rill's starter: {@code --rill.model.path=/models/qwen2.5-0.5b-instruct-q8_0.gguf} (or the
 * property in any other form Spring Boot reads). Without one, the application serves the test kit's rigged
 * plus-one model with ChatML, whose every reply is "abcdefgh...", so that it runs with nothing to download.
 * Start it with {@code examples/spring-chat/run}; see {@code docs/integrations.md}.
 */
@SpringBootApplication
public class SpringChatApplication {
    /** The property that names the model file. */
    static final String MODEL_PATH = "rill.model.path";

    /** Starts the application; see the class documentation. */
    public static void main(String[] args) {
        start(args);
    }

    /** Starts the application with Spring Boot's arguments, the rigged model when no model is configured. */
    public static ConfigurableApplicationContext start(String... args) {
        List<String> arguments = new ArrayList<>(Arrays.asList(args));
        if (!configured(arguments)) {
            arguments.add("--" + MODEL_PATH + "=" + riggedModel());
        }
        return SpringApplication.run(SpringChatApplication.class, arguments.toArray(String[]::new));
    }

    private static boolean configured(List<String> arguments) {
        return arguments.stream().anyMatch(a -> a.startsWith("--" + MODEL_PATH + "="))
                || System.getProperty(MODEL_PATH) != null || System.getenv("RILL_MODEL_PATH") != null;
    }

    /** The rigged plus-one model with ChatML, written to a temporary file once per JVM. */
    static Path riggedModel() {
        return ModelFiles.file("spring-chat-plus-one.gguf",
                TestModels.plusOne().withChatTemplate(LlamaModel.CHATML_TEMPLATE)::write);
    }

    @Bean
    ChatClient chatClient(ChatModel chatModel) {
        return ChatClient.builder(chatModel)
                .defaultSystem("You are a helpful assistant. Answer briefly.")
                .build();
    }
}
