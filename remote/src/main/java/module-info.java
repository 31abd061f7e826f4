/**
 * Rill's {@link dev.rill.LanguageModel} over an OpenAI-compatible HTTP server (rill serve, vLLM, SGLang, llama.cpp's
 * server): completions and chat streamed as server-sent events with the JDK's HTTP client, and embeddings. Start at
 * {@link dev.rill.remote.RemoteModel}.
 */
module dev.rill.remote {
    requires transitive dev.rill.core;
    requires java.net.http;
    requires com.fasterxml.jackson.databind;

    exports dev.rill.remote;
}
