package dev.rill.internal.chat;

import dev.rill.ChatChannel;
import dev.rill.ChatFormat;
import java.util.List;

/**
 * What one chat generation's output looks like: its format, whether calls are parsed, whether the prompt left the
 * model inside its thinking, and the markers all this involves.
 *
 * @param format the format family
 * @param parseCalls whether tool calls are parsed out (tools offered, tool choice not none)
 * @param startsInReasoning whether the rendered prompt ends inside an open thinking block
 * @param mistralNameForm for Mistral, whether calls are {@code name[ARGS]{...}} (newer templates)
 */
public record ChatSyntax(ChatFormat format, boolean parseCalls, boolean startsInReasoning, boolean mistralNameForm) {
    static final String THINK_OPEN = "<think>";
    static final String THINK_CLOSE = "</think>";
    static final String HARMONY_ANALYSIS = "<|channel|>analysis<|message|>";
    static final String HARMONY_TO_FINAL = "<|end|><|start|>assistant<|channel|>final<|message|>";

    /** A trigger of the lazy grammar: where a call starts. */
    record Trigger(String text, boolean atAnswerStart) {
    }

    /**
     * The syntax for a format, a template's source and the prompt it rendered.
     *
     * @param parseCalls whether tool calls are parsed out
     */
    public static ChatSyntax of(ChatFormat format, String templateSource, String renderedPrompt, boolean parseCalls) {
        String prompt = renderedPrompt == null ? "" : renderedPrompt.stripTrailing();
        boolean inReasoning = format != ChatFormat.HARMONY && prompt.lastIndexOf(THINK_OPEN) >= 0
                && prompt.lastIndexOf(THINK_OPEN) > prompt.lastIndexOf(THINK_CLOSE)
                && prompt.endsWith(THINK_OPEN);
        boolean nameForm = templateSource != null && templateSource.contains(MistralParser.ARGS);
        return new ChatSyntax(format, parseCalls, inReasoning, nameForm);
    }

    /** A fresh parser for one generation's output. */
    public OutputParser parser() {
        if (format == ChatFormat.HARMONY) {
            return new HarmonyParser();
        }
        OutputParser answer = !parseCalls ? new PlainParser() : switch (format) {
            case HERMES -> new HermesParser();
            case LLAMA3 -> new JsonCallsParser(true);
            case MISTRAL -> new MistralParser();
            case GENERIC -> new JsonCallsParser(false);
            case HARMONY -> throw new IllegalStateException("unreachable");
        };
        return new ReasoningParser(THINK_OPEN, THINK_CLOSE, startsInReasoning, answer);
    }

    /** The channel the output starts in. */
    public ChatChannel firstChannel() {
        return startsInReasoning ? ChatChannel.REASONING : format == ChatFormat.HARMONY ? ChatChannel.MARKUP
                : ChatChannel.CONTENT;
    }

    /** The marker texts the parser reads; a special token with one of these texts is parsed by that text. */
    public List<String> markers() {
        return switch (format) {
            case HERMES, GENERIC -> List.of(THINK_OPEN, THINK_CLOSE, HermesParser.OPEN, HermesParser.CLOSE);
            case LLAMA3 -> List.of(THINK_OPEN, THINK_CLOSE, JsonCallsParser.PYTHON_TAG);
            case MISTRAL -> List.of(THINK_OPEN, THINK_CLOSE, MistralParser.TOOL_CALLS, MistralParser.ARGS,
                    MistralParser.CALL_ID);
            case HARMONY -> List.of(HarmonyParser.START, HarmonyParser.CHANNEL, HarmonyParser.MESSAGE,
                    HarmonyParser.END, HarmonyParser.CALL, HarmonyParser.RETURN, "<|constrain|>");
        };
    }

    /** The text that opens thinking in the output. */
    String reasoningOpen() {
        return format == ChatFormat.HARMONY ? HARMONY_ANALYSIS : THINK_OPEN;
    }

    /** The text that closes thinking in the output. */
    String reasoningClose() {
        return format == ChatFormat.HARMONY ? HarmonyParser.END : THINK_CLOSE;
    }

    /** What is written for the model when its thinking budget runs out. */
    String budgetClose() {
        return format == ChatFormat.HARMONY ? HARMONY_TO_FINAL : THINK_CLOSE + "\n\n";
    }

    /** Where a call starts, for the lazy grammar. */
    List<Trigger> triggers() {
        return switch (format) {
            case HERMES -> List.of(new Trigger(HermesParser.OPEN, false));
            case LLAMA3 -> List.of(new Trigger("{", true), new Trigger(JsonCallsParser.PYTHON_TAG, false));
            case MISTRAL -> List.of(new Trigger(MistralParser.TOOL_CALLS, false));
            case GENERIC -> List.of(new Trigger("{", true));
            case HARMONY -> List.of(new Trigger("to=functions.", false));
        };
    }
}
