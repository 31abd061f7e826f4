package dev.rill.remote.internal;

import dev.rill.AdapterSet;
import dev.rill.ChatChannel;
import dev.rill.ChatCallback;
import dev.rill.ChatDelta;
import dev.rill.ChatGeneration;
import dev.rill.ChatResult;
import dev.rill.ChatToken;
import dev.rill.Demand;
import dev.rill.Generation;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.LanguageModel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * A chat generation whose whole text is the answer: what a server that sends no parsed fields gives. Every token
 * is on the {@link ChatChannel#CONTENT} channel; the result has no reasoning and no calls.
 */
public final class TextOnlyChat implements ChatGeneration {
    private final Generation generation;
    private final CompletableFuture<ChatResult> parsed;

    private TextOnlyChat(Generation generation) {
        this.generation = generation;
        this.parsed = generation.result().thenApply(TextOnlyChat::parse);
    }

    /** Runs {@code request} on {@code model} with every token's text as answer text. */
    public static ChatGeneration submit(LanguageModel model, GenerationRequest request, ChatCallback callback,
                                        Demand demand) {
        Generation generation = model.submit(request, (token, running) -> callback.onToken(new ChatToken(token,
                ChatChannel.CONTENT, new ChatDelta(token.text(), "", List.of())), running), demand);
        return new TextOnlyChat(generation);
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
