package dev.rill.internal.chat;

import dev.rill.ToolDefinition;
import dev.rill.internal.llama.LlamaGrammarHandle;
import dev.rill.internal.llama.LlamaModelHandle;
import dev.rill.sampling.Logits;
import dev.rill.sampling.Sampler;
import dev.rill.sampling.SequenceSampler;
import dev.rill.sampling.TokenChoice;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The sampler of one chat generation, in front of the caller's: it follows the output's text, and
 * <ul>
 *   <li>switches a tool call's grammar on when a call starts (a lazy grammar): free text is sampled by the
 *       caller's sampler alone; once the text of a trigger appears ({@code <tool_call>}, {@code [TOOL_CALLS]},
 *       a {@code {} opening the answer, ...) the grammar is created, fed the text from the trigger on, and masks
 *       every step until the call is complete (the grammar allows nothing but an end-of-generation token), when
 *       it is freed and the text is free again;</li>
 *   <li>for a required tool choice, starts that grammar with the answer;</li>
 *   <li>counts the thinking tokens and, at the budget, writes the closing marker for the model (those tokens are
 *       chosen with probability 1) so that it goes on to the answer.</li>
 * </ul>
 * The trigger is found in Java, so this works the same on every llama.cpp release; llama.cpp's own lazy grammar
 * samplers differ between releases (b4916 takes trigger words, later ones regular expressions).
 *
 * <p>Serves one sequence: {@link #newSequence} may be called once.
 */
public final class ChatSampler implements Sampler {
    private final LlamaModelHandle model;
    private final Sampler inner;
    private final ChatSyntax syntax;
    private final String grammar;
    private final boolean forceCall;
    private final int budget;
    private boolean used;

    /**
     * @param grammar the call grammar ({@link ToolGrammars#callGrammar}), or null to constrain nothing
     * @param forceCall start the grammar with the answer (tool choice required or named)
     * @param budget the most thinking tokens, or -1 for no limit
     */
    public ChatSampler(LlamaModelHandle model, Sampler inner, ChatSyntax syntax, String grammar, boolean forceCall,
                       int budget) {
        this.model = Objects.requireNonNull(model, "model");
        this.inner = Objects.requireNonNull(inner, "inner");
        this.syntax = Objects.requireNonNull(syntax, "syntax");
        this.grammar = grammar;
        this.forceCall = forceCall && grammar != null;
        this.budget = budget;
    }

    /** The call grammar of a format for these tools, or null: see {@link ToolGrammars#callGrammar}. */
    public static String callGrammar(ChatSyntax syntax, List<ToolDefinition> tools) {
        return ToolGrammars.callGrammar(syntax.format(), tools, syntax.mistralNameForm());
    }

    @Override
    public synchronized SequenceSampler newSequence(long seed) {
        if (used) {
            throw new IllegalStateException("a chat generation's sampler serves one sequence");
        }
        used = true;
        return new Sequence(inner.newSequence(seed));
    }

    @Override
    public String toString() {
        return "ChatSampler[" + syntax.format() + (grammar == null ? "" : forceCall ? ", call required" : ", lazy grammar")
                + (budget >= 0 ? ", thinking budget " + budget : "") + ", then " + inner + "]";
    }

    private enum Phase { BEFORE, THINKING, ANSWER }

    private final class Sequence implements SequenceSampler {
        private final SequenceSampler next;
        private final Map<Integer, String> texts = new HashMap<>();
        private final StringBuilder before = new StringBuilder();
        private final StringBuilder thinking = new StringBuilder();
        private final StringBuilder answer = new StringBuilder();
        private Phase phase = syntax.startsInReasoning() ? Phase.THINKING : Phase.BEFORE;
        private int thinkingTokens;
        private int[] forced;
        private int forcedAt;
        private boolean budgetSpent;
        private boolean callForced;
        private int searchFrom;
        private boolean anchorPassed;
        private final int longestTrigger = syntax.triggers().stream().mapToInt(t -> t.text().length()).max().orElse(1);
        private LlamaGrammarHandle active;
        private float[] saved;
        private float[] scratch;

        Sequence(SequenceSampler next) {
            this.next = next;
        }

        @Override
        public TokenChoice choose(Logits logits) {
            if (forced != null && forcedAt < forced.length) {
                return new TokenChoice(forced[forcedAt++], 1f);
            }
            if (phase == Phase.THINKING && budget >= 0 && thinkingTokens >= budget && !budgetSpent) {
                budgetSpent = true;
                forced = model.tokenize(syntax.budgetClose(), false, true);
                forcedAt = 0;
                if (forced.length > 0) {
                    return new TokenChoice(forced[forcedAt++], 1f);
                }
            }
            if (forceCall && !callForced && active == null && phase != Phase.THINKING) {
                callForced = true;
                phase = Phase.ANSWER;
                activate(answer.toString().strip());
            }
            if (active != null) {
                int size = logits.size();
                if (saved == null || saved.length < size) {
                    saved = new float[size];
                }
                System.arraycopy(logits.array(), 0, saved, 0, size);
                if (active.mask(logits.array(), size) == 0) {
                    throw new IllegalStateException("the tool call grammar allows no token here");
                }
                if (onlyEndOfGeneration(logits.array(), size)) {
                    // The call is complete: the grammar would allow nothing but the end. Text is free again.
                    deactivate();
                    System.arraycopy(saved, 0, logits.array(), 0, size);
                }
            }
            TokenChoice choice = next.choose(logits);
            if (active != null && !active.allows(choice.token())) {
                throw new IllegalStateException("the sampler chose token " + choice.token()
                        + ", which the tool call grammar does not allow here");
            }
            return choice;
        }

        private boolean onlyEndOfGeneration(float[] values, int size) {
            for (int i = 0; i < size; i++) {
                if (values[i] != Float.NEGATIVE_INFINITY && !model.isEndOfGeneration(i)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public void accept(int token) {
            if (active != null) {
                if (!active.allows(token)) {
                    throw new IllegalStateException("token " + token + " is not one the tool call grammar allowed");
                }
                active.accept(token);
            }
            next.accept(token);
            String text = texts.computeIfAbsent(token, model::tokenText);
            switch (phase) {
                case BEFORE -> {
                    before.append(text);
                    String open = syntax.reasoningOpen();
                    int ws = Markers.leadingWhitespace(before);
                    if (before.indexOf(open, ws) == ws) {
                        phase = Phase.THINKING;
                        thinking.append(before, ws + open.length(), before.length());
                    } else if (ws < before.length() && !Markers.isPrefix(before, ws, open)) {
                        phase = Phase.ANSWER;
                        answer.append(before);
                        if (active == null) {
                            findTrigger(searchFrom);
                        }
                    }
                }
                case THINKING -> {
                    thinkingTokens++;
                    int from = Math.max(0, thinking.length() - syntax.reasoningClose().length() + 1);
                    thinking.append(text);
                    int close = thinking.indexOf(syntax.reasoningClose(), from);
                    if (close >= 0) {
                        phase = Phase.ANSWER;
                        answer.append(thinking, close + syntax.reasoningClose().length(), thinking.length());
                        if (forced != null && forcedAt < forced.length) {
                            return; // the rest of the closing text is still to be written
                        }
                        if (!forceCall) {
                            findTrigger(searchFrom);
                        }
                    }
                }
                case ANSWER -> {
                    int from = Math.max(searchFrom, answer.length() - longestTrigger + 1);
                    answer.append(text);
                    if (active == null && !(forced != null && forcedAt < forced.length)) {
                        findTrigger(from);
                    }
                }
            }
        }

        /**
         * Switches the grammar on at the earliest trigger in the answer text not yet searched: a trigger anywhere at
         * or after {@code from}, or one that must open the answer right after {@code searchFrom} (and blanks).
         */
        private void findTrigger(int from) {
            if (grammar == null || forceCall) {
                return;
            }
            int best = -1;
            for (ChatSyntax.Trigger trigger : syntax.triggers()) {
                int at = -1;
                if (trigger.atAnswerStart()) {
                    if (!anchorPassed) {
                        int ws = searchFrom;
                        while (ws < answer.length() && Character.isWhitespace(answer.charAt(ws))) {
                            ws++;
                        }
                        int n = Math.min(trigger.text().length(), answer.length() - ws);
                        if (n > 0 && !answer.substring(ws, ws + n).equals(trigger.text().substring(0, n))) {
                            anchorPassed = true; // the answer opened with something else
                        } else if (n == trigger.text().length()) {
                            at = ws;
                        }
                    }
                } else {
                    at = answer.indexOf(trigger.text(), from);
                }
                if (at >= 0 && (best < 0 || at < best)) {
                    best = at;
                }
            }
            if (best >= 0) {
                activate(answer.substring(best));
            }
        }

        /**
         * Creates the grammar and feeds it {@code pending}, the text already written from the trigger on. When that
         * text is not one the grammar takes (a character cut between tokens, say), the call goes unconstrained.
         */
        private void activate(String pending) {
            LlamaGrammarHandle handle = LlamaGrammarHandle.create(model, grammar);
            try {
                if (!pending.isEmpty()) {
                    int size = model.vocabSize();
                    if (scratch == null) {
                        scratch = new float[size];
                    }
                    for (int token : model.tokenize(pending, false, false)) {
                        Arrays.fill(scratch, 0f);
                        handle.mask(scratch, size);
                        if (!handle.allows(token)) {
                            handle.close();
                            searchFrom = answer.length();
                            return;
                        }
                        handle.accept(token);
                    }
                }
            } catch (RuntimeException | Error e) {
                handle.close();
                throw e;
            }
            active = handle;
        }

        private void deactivate() {
            active.close();
            active = null;
            searchFrom = answer.length();
            anchorPassed = false; // another call may follow the one just made
        }

        @Override
        public void close() {
            try {
                if (active != null) {
                    active.close();
                    active = null;
                }
            } finally {
                next.close();
            }
        }
    }
}
