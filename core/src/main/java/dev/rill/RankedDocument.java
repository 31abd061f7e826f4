package dev.rill;

/**
 * One document of a {@link Reranker#rank} call: where it was in the list given, its text and its relevance score.
 *
 * @param index the document's position in the list passed to {@code rank}
 * @param score the reranker's score for the query and this document (higher is more relevant)
 */
public record RankedDocument(int index, String document, float score) {
}
