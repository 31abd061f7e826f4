package dev.rill.server;

import dev.rill.Model;
import dev.rill.adapters.AdapterManifest;
import dev.rill.adapters.AdapterRegistry;
import dev.rill.server.internal.HttpApi;
import dev.rill.server.internal.Lifecycle;
import dev.rill.server.internal.ServedModel;
import dev.rill.server.internal.ServerMetrics;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * An OpenAI-compatible HTTP server for one {@link Model}: {@code POST /v1/chat/completions},
 * {@code POST /v1/completions}, {@code POST /v1/embeddings}, {@code GET /v1/models}, the adapter routes under
 * {@code /v1/adapters}, {@code GET /health}, {@code GET /metrics} (Prometheus), Anthropic's
 * {@code POST /v1/messages}, and a chat page at {@code /}. docs/server.md describes every field and status.
 *
 * <pre>{@code
 * try (Model model = Model.load(Path.of("model.gguf"), ModelOptions.builder().parallelSequences(4).build());
 *      RillServer server = RillServer.builder(model).port(8080).apiKey("secret").start()) {
 *     server.awaitClose();   // until close() is called, say from a shutdown hook
 * }
 * }</pre>
 *
 * <p><b>Streaming and backpressure.</b> A streamed response asks the engine for tokens only as fast as its
 * connection takes them: a client that stops reading leaves its sequence out of the engine's decode steps (the
 * others go on at their pace) and resumes where it stopped; a client that disconnects cancels its generation, which
 * the engine ends at its next step, freeing the slot. How many sequences run at once, and so how many requests are
 * served together, is the model's {@link dev.rill.ModelOptions#parallelSequences()}; the rest wait in its queue
 * ({@link dev.rill.ModelOptions#queueCapacity()}), and a request that finds the queue full gets 429.
 *
 * <p><b>Adapters.</b> The server serves the LoRA adapters of an {@link AdapterRegistry} ({@link Builder#adapters},
 * or one it creates, filled from {@link Builder#adapterManifest}); a request picks one as its model
 * ({@code "base:adapter"}) or mixes several ({@code "lora": [{"id": ..., "scale": ...}]}).
 *
 * <p><b>Shutdown.</b> {@link #close()} refuses new requests (503), lets running ones finish for
 * {@link Builder#shutdownGrace}, then ends those still running, each with a last event whose
 * {@code finish_reason} is {@code "abort"}, and stops listening. It closes the registry it created and never the
 * model, which belongs to the caller.
 *
 * <p>Thread-safe. Handlers never block the event loop: tokens are written from the model's engine thread, which
 * also serializes each event (microseconds), and embeddings and adapter loads run on Reactor's bounded elastic
 * scheduler.
 */
public final class RillServer implements AutoCloseable {
    private final ServedModel served;
    private final boolean ownsRegistry;
    private final Lifecycle lifecycle;
    private final ServerMetrics metrics;
    private final HttpApi api;
    private final DisposableServer server;
    private final Duration shutdownGrace;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch closedLatch = new CountDownLatch(1);

    private RillServer(Builder b, ServedModel served, boolean ownsRegistry) {
        this.served = served;
        this.ownsRegistry = ownsRegistry;
        this.shutdownGrace = b.shutdownGrace;
        this.lifecycle = new Lifecycle();
        this.metrics = new ServerMetrics(served.model(), served.adapters());
        this.api = new HttpApi(served, lifecycle, metrics, b.apiKey, b.maxBodyBytes);
        try {
            this.server = HttpServer.create()
                    .host(b.host)
                    .port(b.port)
                    .childOption(ChannelOption.SO_SNDBUF, b.sendBufferBytes)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                            new WriteBufferWaterMark(b.sendBufferBytes / 2, b.sendBufferBytes))
                    // One request per connection. Measured on Reactor Netty 1.2.18: under load, a request that
                    // came on a kept-alive connection right after a quick answer (GET /v1/models after an
                    // embeddings call) had its handler cancelled as it was subscribed, and the client waited for
                    // a response that never came. A new connection per request costs a TCP handshake on loopback.
                    .maxKeepAliveRequests(1)
                    .handle(api::handle)
                    .bindNow(Duration.ofSeconds(30));
        } catch (RuntimeException e) {
            metrics.close();
            throw e;
        }
    }

    /** A builder for a server of {@code model}, which must stay open while the server runs. */
    public static Builder builder(Model model) {
        return new Builder(model);
    }

    /** The port it listens on (the one chosen when the builder asked for port 0). */
    public int port() {
        return server.port();
    }

    /** The address it listens on. */
    public String host() {
        return server.host();
    }

    /** {@code http://host:port}, the base URL of the API without {@code /v1}. */
    public URI uri() {
        String host = server.host().contains(":") ? "[" + server.host() + "]" : server.host();
        return URI.create("http://" + host + ":" + server.port());
    }

    /** The id clients name the base model by ({@code "model"} in requests, {@code GET /v1/models}). */
    public String modelId() {
        return served.id();
    }

    /** The adapters it serves. */
    public AdapterRegistry adapters() {
        return served.adapters();
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitClose() throws InterruptedException {
        closedLatch.await();
    }

    /**
     * Shuts down gracefully: new requests get 503; running ones may finish for the shutdown grace; those still
     * running then end with {@code finish_reason} {@code "abort"}; the server stops listening once their last
     * events were written (or after a further grace). Idempotent; later calls return at once.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            lifecycle.drain();
            if (!lifecycle.awaitIdle(shutdownGrace)) {
                lifecycle.endStreams();
                lifecycle.awaitIdle(shutdownGrace.plusSeconds(5));
            }
            server.disposeNow(Duration.ofSeconds(5));
        } finally {
            api.close();
            metrics.close();
            if (ownsRegistry) {
                served.adapters().close();
            }
            closedLatch.countDown();
        }
    }

    @Override
    public String toString() {
        return "RillServer[" + uri() + ", " + served.id() + "]";
    }

    /**
     * Options of a {@link RillServer}. Each may be set once and is checked when set. Defaults: host 127.0.0.1,
     * port 8080, no API key, a body limit of 8 MiB, a shutdown grace of 5 s, a socket send buffer of 64 KiB,
     * the model id from the file name, no adapters.
     */
    public static final class Builder {
        private final Model model;
        private String host;
        private Integer port;
        private String apiKey;
        private Long maxBodyBytes;
        private Duration shutdownGrace;
        private Integer sendBufferBytes;
        private String modelId;
        private AdapterRegistry adapters;
        private Path adapterManifest;

        private Builder(Model model) {
            this.model = Objects.requireNonNull(model, "model");
        }

        /** The address to listen on; default 127.0.0.1 (loopback only). Use 0.0.0.0 for every interface. */
        public Builder host(String host) {
            once(this.host, "host");
            Objects.requireNonNull(host, "host");
            if (host.isBlank()) {
                throw new IllegalArgumentException("host must not be blank");
            }
            this.host = host;
            return this;
        }

        /** The port; 0 picks a free one ({@link RillServer#port()} tells which). Default 8080. */
        public Builder port(int port) {
            once(this.port, "port");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be in [0, 65535], was " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * The key every request but {@code /health} must carry, as {@code Authorization: Bearer KEY} (or
         * {@code x-api-key: KEY}); others get 401. Default: none, every request is served.
         */
        public Builder apiKey(String apiKey) {
            once(this.apiKey, "apiKey");
            Objects.requireNonNull(apiKey, "apiKey");
            if (apiKey.isBlank()) {
                throw new IllegalArgumentException("apiKey must not be blank");
            }
            this.apiKey = apiKey;
            return this;
        }

        /** The largest request body accepted; larger ones get 413. Default 8 MiB. */
        public Builder maxBodyBytes(long bytes) {
            once(this.maxBodyBytes, "maxBodyBytes");
            if (bytes < 1) {
                throw new IllegalArgumentException("maxBodyBytes must be at least 1, was " + bytes);
            }
            this.maxBodyBytes = bytes;
            return this;
        }

        /** How long {@link RillServer#close()} lets running requests finish before it ends them. Default 5 s. */
        public Builder shutdownGrace(Duration grace) {
            once(this.shutdownGrace, "shutdownGrace");
            Objects.requireNonNull(grace, "grace");
            if (grace.isNegative()) {
                throw new IllegalArgumentException("shutdownGrace must not be negative, was " + grace);
            }
            this.shutdownGrace = grace;
            return this;
        }

        /**
         * The socket send buffer of each connection, which is also the most a connection buffers in the server
         * before its writer stops asking the engine for tokens. A stream's events are small (about 200 bytes a
         * token), so a small buffer makes a client that stops reading pause its sequence after a few hundred
         * tokens rather than after megabytes; a larger one helps large responses over long, fast links. Default
         * 64 KiB; the kernel may round it.
         */
        public Builder sendBufferBytes(int bytes) {
            once(this.sendBufferBytes, "sendBufferBytes");
            if (bytes < 4096) {
                throw new IllegalArgumentException("sendBufferBytes must be at least 4096, was " + bytes);
            }
            this.sendBufferBytes = bytes;
            return this;
        }

        /** The id clients name the base model by; default the model file's name without {@code .gguf}. */
        public Builder modelId(String id) {
            once(this.modelId, "modelId");
            Objects.requireNonNull(id, "id");
            if (id.isBlank() || id.contains(":")) {
                throw new IllegalArgumentException("modelId must be non-blank and have no ':', was '" + id + "'");
            }
            this.modelId = id;
            return this;
        }

        /**
         * The adapters to serve; the registry must belong to the server's model and stays the caller's to close.
         * Default: an empty registry the server creates (and closes).
         */
        public Builder adapters(AdapterRegistry adapters) {
            once(this.adapters, "adapters");
            Objects.requireNonNull(adapters, "adapters");
            if (adapters.model() != model) {
                throw new IllegalArgumentException("the adapter registry belongs to " + adapters.model()
                        + ", not to " + model);
            }
            this.adapters = adapters;
            return this;
        }

        /**
         * A manifest of adapters (docs/adapters.md) registered when the server starts, into the registry of
         * {@link #adapters} or the server's own.
         */
        public Builder adapterManifest(Path manifest) {
            once(this.adapterManifest, "adapterManifest");
            this.adapterManifest = Objects.requireNonNull(manifest, "manifest");
            return this;
        }

        /**
         * Registers the manifest's adapters, binds the port and starts serving.
         *
         * @throws dev.rill.adapters.ManifestException when the manifest or one of its adapters cannot be used
         * @throws RuntimeException when the port cannot be bound (Reactor Netty's exception, naming the address)
         * @throws IllegalStateException when the model is closed
         */
        public RillServer start() {
            if (model.isClosed()) {
                throw new IllegalStateException("the model " + model + " is closed");
            }
            if (host == null) {
                host = "127.0.0.1";
            }
            if (port == null) {
                port = 8080;
            }
            if (maxBodyBytes == null) {
                maxBodyBytes = 8L << 20;
            }
            if (shutdownGrace == null) {
                shutdownGrace = Duration.ofSeconds(5);
            }
            if (sendBufferBytes == null) {
                sendBufferBytes = 64 << 10;
            }
            String id = modelId != null ? modelId : defaultId(model);
            boolean owns = adapters == null;
            AdapterRegistry registry = owns ? AdapterRegistry.create(model) : adapters;
            try {
                if (adapterManifest != null) {
                    registry.registerAll(AdapterManifest.read(adapterManifest));
                }
                return new RillServer(this, new ServedModel(id, model, registry), owns);
            } catch (RuntimeException e) {
                if (owns) {
                    registry.close();
                }
                throw e;
            }
        }

        private static String defaultId(Model model) {
            Path file = model.info().path().getFileName();
            String name = file == null ? "model" : file.toString();
            if (name.toLowerCase(Locale.ROOT).endsWith(".gguf")) {
                name = name.substring(0, name.length() - 5);
            }
            name = name.replace(':', '-');
            return name.isBlank() ? "model" : name;
        }

        private static void once(Object current, String name) {
            if (current != null) {
                throw new IllegalStateException(name + " was already set to " + current);
            }
        }
    }
}
