package dev.rill.langchain4j;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.model.scoring.ScoringModel;
import dev.rill.Reranker;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A LangChain4j {@link ScoringModel} over a Rill {@link Reranker}, the cross-encoder of an in-process reranker
 * model ({@link dev.rill.Model#reranker()}): for re-ranking retrieved segments, as in LangChain4j's
 * {@code ReRankingContentAggregator}.
 *
 * <pre>{@code
 * Model model = Model.load(Path.of("bge-reranker-v2-m3.gguf"));
 * ScoringModel scoring = RillScoringModel.builder().reranker(model.reranker()).build();
 * double score = scoring.score("the panda is a bear of china", "what is a panda?").content();
 * }</pre>
 *
 * <p>A request's segments are scored together, in one or a few evaluations as the reranker batches them; each
 * score is the reranker's raw relevance value (higher is more relevant; not limited to [0, 1]) and depends on its
 * segment and the query alone. The segments' metadata is ignored. Responses carry no token usage. A pair longer
 * than the reranker's batch is refused with {@link dev.rill.TextTooLongException} unless the reranker truncates.
 * Closing the reranker (or its model) is the caller's business. Safe to share between threads.
 */
public final class RillScoringModel implements ScoringModel {
    private final Reranker reranker;

    private RillScoringModel(Reranker reranker) {
        this.reranker = reranker;
    }

    /** A builder; {@link Builder#reranker} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The score of each segment for {@code query}, in the segments' order; no segments give an empty list.
     *
     * @throws dev.rill.TextTooLongException for a pair longer than the reranker's batch, unless it truncates
     * @throws IllegalStateException after the reranker was closed
     */
    @Override
    public Response<List<Double>> scoreAll(List<TextSegment> segments, String query) {
        Objects.requireNonNull(segments, "segments");
        Objects.requireNonNull(query, "query");
        List<String> texts = new ArrayList<>(segments.size());
        for (int i = 0; i < segments.size(); i++) {
            texts.add(Objects.requireNonNull(segments.get(i), "segments[" + i + "]").text());
        }
        float[] scores = reranker.score(query, texts);
        List<Double> content = new ArrayList<>(scores.length);
        for (float score : scores) {
            content.add((double) score);
        }
        return Response.from(content);
    }

    /** The reranker that scores. */
    public Reranker reranker() {
        return reranker;
    }

    @Override
    public String toString() {
        return "RillScoringModel[" + reranker + "]";
    }

    /** Builds a {@link RillScoringModel}. Each option may be set once; arguments are checked when set. */
    public static final class Builder {
        private Reranker reranker;

        private Builder() {
        }

        /**
         * The reranker (required; not closed).
         *
         * @throws IllegalStateException when it is closed, or a reranker was already set
         */
        public Builder reranker(Reranker reranker) {
            if (this.reranker != null) {
                throw new IllegalStateException("reranker is already set");
            }
            Objects.requireNonNull(reranker, "reranker");
            if (reranker.isClosed()) {
                throw new IllegalStateException("the reranker " + reranker + " is closed");
            }
            this.reranker = reranker;
            return this;
        }

        /**
         * The scoring model.
         *
         * @throws IllegalStateException when no reranker was given
         */
        public RillScoringModel build() {
            if (reranker == null) {
                throw new IllegalStateException("reranker is not set");
            }
            return new RillScoringModel(reranker);
        }
    }
}
