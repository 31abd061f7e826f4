package dev.rill.examples;

import dev.rill.ChatMessage;
import dev.rill.ChatTemplateException;
import dev.rill.Model;
import dev.rill.ModelOptions;
import dev.rill.Prompt;
import dev.rill.RillException;
import dev.rill.ToolDefinition;
import dev.rill.llama.LlamaProfile;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code rill template}: prints the prompt a conversation renders to with a model's chat template, exactly (no
 * newline added), for debugging a template.
 */
final class TemplateCommand {
    static final String USAGE = """
            Usage: rill template --model PATH --messages FILE [options]
            Prints the prompt the model's chat template renders for a conversation, exactly as generation
            tokenizes it (special-token texts included, nothing added after it).

              -m, --model PATH        GGUF model whose template renders
                  --messages FILE     JSON array of {"role", "content"} messages (OpenAI's shape, with
                                      "tool_calls" and "tool_call_id" where they apply)
                  --tools FILE        JSON array of tools ({"type": "function", "function": {"name",
                                      "description", "parameters"}})
                  --template T        Jinja source file, variant name (tool_use) or built-in name instead
                  --no-think          set the template variable enable_thinking to false
                  --no-generation-prompt  end after the last message, without the assistant's turn
                  --llama current|b4916  which llama.cpp release to load
              -h, --help              this text
            """;

    private TemplateCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Path model = null;
        Path messages = null;
        Path tools = null;
        String template = null;
        boolean noThink = false;
        boolean generationPrompt = true;
        LlamaProfile llama = null;
        try {
            for (int i = 0; i < args.length; i++) {
                String flag = args[i];
                switch (flag) {
                    case "-m", "--model" -> model = Path.of(value(args, ++i, flag));
                    case "--messages" -> messages = Path.of(value(args, ++i, flag));
                    case "--tools" -> tools = Path.of(value(args, ++i, flag));
                    case "--template" -> template = value(args, ++i, flag);
                    case "--no-think" -> noThink = true;
                    case "--no-generation-prompt" -> generationPrompt = false;
                    case "--llama" -> llama = LlamaProfile.fromLabel(value(args, ++i, flag));
                    case "-h", "--help" -> {
                        out.print(USAGE);
                        return 0;
                    }
                    default -> throw new CliArguments.UsageException("unknown option: " + flag);
                }
            }
            if (model == null || messages == null) {
                throw new CliArguments.UsageException("rill template needs --model and --messages");
            }
        } catch (CliArguments.UsageException | IllegalArgumentException e) {
            err.println("rill template: " + e.getMessage());
            err.println();
            err.print(USAGE);
            return 2;
        }
        try {
            List<ChatMessage> conversation = ChatFiles.messages(messages);
            Prompt.ChatBuilder prompt = Prompt.chatBuilder(conversation);
            if (tools != null) {
                List<ToolDefinition> offered = ChatFiles.tools(tools);
                prompt.tools(offered);
            }
            if (template != null) {
                Path file = Path.of(template);
                prompt.template(java.nio.file.Files.isRegularFile(file) ? java.nio.file.Files.readString(file) : template);
            }
            if (noThink) {
                prompt.variable("enable_thinking", false);
            }
            ModelOptions.Builder options = ModelOptions.builder().contextSize(64).threads(1);
            if (llama != null) {
                options.llamaProfile(llama);
            }
            try (Model loaded = Model.load(model, options.build())) {
                out.print(loaded.applyChatTemplate(prompt.build(), generationPrompt));
                out.flush();
            }
            return 0;
        } catch (ChatTemplateException e) {
            err.println("rill template: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("rill template: cannot read " + e.getMessage());
            return 1;
        } catch (RillException | IllegalArgumentException | IllegalStateException e) {
            err.println("rill template: " + e.getMessage());
            return 1;
        }
    }

    private static String value(String[] args, int i, String flag) throws CliArguments.UsageException {
        if (i >= args.length) {
            throw new CliArguments.UsageException(flag + " needs a value");
        }
        return args[i];
    }
}
