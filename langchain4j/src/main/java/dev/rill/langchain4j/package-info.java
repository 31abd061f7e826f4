/**
 * Rill for LangChain4j: chat, streaming chat and embedding models over a {@link dev.rill.LanguageModel}. Start at
 * {@link dev.rill.langchain4j.RillChatModel}, {@link dev.rill.langchain4j.RillStreamingChatModel} and
 * {@link dev.rill.langchain4j.RillEmbeddingModel}.
 *
 * <p>Only this package is API; {@code dev.rill.langchain4j.internal} may change in any release. The module has no
 * {@code module-info}: langchain4j-core declares no module name, so the jar is meant for the class path.
 */
package dev.rill.langchain4j;
