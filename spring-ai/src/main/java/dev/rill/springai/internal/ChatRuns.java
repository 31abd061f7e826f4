package dev.rill.springai.internal;

import dev.rill.AdapterSet;
import dev.rill.ChatCallback;
import dev.rill.ChatChannel;
import dev.rill.ChatDelta;
import dev.rill.ChatGeneration;
import dev.rill.ChatResult;
import dev.rill.ChatToken;
import dev.rill.Demand;
import dev.rill.Generation;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.LanguageModel;
import dev.rill.Model;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * Runs a chat request on any {@link LanguageModel}: on an in-process {@link Model} through
 * {@link Model#submitChat}, whose output is parsed into answer, reasoning and tool calls as it streams; on any other
 * model through {@link LanguageModel#submit}, every token's text as answer text.
 */
public final class ChatRuns {
    private ChatRuns() {
    }

    /** Queues {@code request} and streams its tokens, with their channels, to {@code callback}. */
    public static ChatGeneration submit(LanguageModel model, GenerationRequest request, ChatCallback callback,
                                        Demand demand) {
        if (model instanceof Model local) {
            return local.submitChat(request, callback, demand);
        }
        Generation generation = model.submit(request, (token, running) -> callback.onToken(new ChatToken(token,
                ChatChannel.CONTENT, new ChatDelta(token.text(), "", List.of())), running), demand);
        return new TextOnly(generation);
    }

    /** A generation whose whole text is the answer. */
    private static final class TextOnly implements ChatGeneration {
        private final Generation generation;
        private final CompletableFuture<ChatResult> parsed;

        TextOnly(Generation generation) {
            this.generation = generation;
            this.parsed = generation.result().thenApply(TextOnly::parse);
        }

        private static ChatResult parse(GenerationResult result) {
            return new ChatResult(result, result.text(), "", List.of(), ChatDelta.EMPTY);
        }

        @Override
        public CompletableFuture<ChatResult> chatResult() {
            return parsed;
        }

        @Override
        public ChatResult awaitChat() {
            return parse(generation.await());
        }

        @Override
        public void cancel() {
            generation.cancel();
        }

        @Override
        public void demandChanged() {
            generation.demandChanged();
        }

        @Override
        public void switchAdapters(AdapterSet adapters) {
            generation.switchAdapters(adapters);
        }

        @Override
        public void switchAdaptersAndReevaluate(AdapterSet adapters) {
            generation.switchAdaptersAndReevaluate(adapters);
        }

        @Override
        public boolean isDone() {
            return generation.isDone();
        }

        @Override
        public CompletableFuture<GenerationResult> result() {
            return generation.result();
        }

        @Override
        public GenerationResult await() {
            return generation.await();
        }

        @Override
        public GenerationResult await(Duration timeout) throws TimeoutException {
            return generation.await(timeout);
        }
    }
}
