package dev.rill.server.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rill.adapters.AdapterInfo;
import dev.rill.adapters.AdapterSpec;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.server.HttpServerResponse;

/**
 * {@code GET /v1/models} (the base model and one entry per registered adapter, as {@code base:adapter}),
 * {@code GET /v1/models/{id}}, and the adapter routes: {@code GET /v1/adapters}, {@code POST /v1/adapters}
 * ({@code {"name", "path", "scale"}}: registers and loads an adapter file that lies on the server's host) and
 * {@code DELETE /v1/adapters/{name}} (refused with 409 while running requests use it).
 */
final class ModelsAndAdapters {
    private final ServedModel served;
    private final long created = System.currentTimeMillis() / 1000;

    ModelsAndAdapters(ServedModel served) {
        this.served = served;
    }

    Mono<Void> list(HttpServerResponse response) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        data.add(base());
        for (AdapterInfo adapter : served.adapters().list()) {
            data.add(adapterModel(adapter));
        }
        return Responses.json(response, 200, root);
    }

    Mono<Void> one(String id, HttpServerResponse response) {
        if (id.equals(served.id())) {
            return Responses.json(response, 200, base());
        }
        String name = id.startsWith(served.id() + ":") ? id.substring(served.id().length() + 1) : id;
        Optional<AdapterInfo> adapter = served.adapters().info(name);
        if (adapter.isEmpty()) {
            throw ApiException.notFound("model_not_found", "The model '" + id + "' does not exist here");
        }
        return Responses.json(response, 200, adapterModel(adapter.get()));
    }

    private ObjectNode base() {
        ObjectNode model = Json.MAPPER.createObjectNode();
        model.put("id", served.id());
        model.put("object", "model");
        model.put("created", created);
        model.put("owned_by", "rill");
        ObjectNode meta = model.putObject("meta");
        var info = served.model().info();
        meta.put("architecture", info.architecture());
        meta.put("description", info.description());
        meta.put("context_size", info.contextSize());
        meta.put("sequence_context_size", info.sequenceContextSize());
        meta.put("parallel_sequences", served.model().options().parallelSequences());
        meta.put("vocabulary_size", info.vocabularySize());
        return model;
    }

    private ObjectNode adapterModel(AdapterInfo adapter) {
        ObjectNode model = Json.MAPPER.createObjectNode();
        model.put("id", served.id() + ":" + adapter.name());
        model.put("object", "model");
        model.put("created", created);
        model.put("owned_by", "rill");
        model.put("parent", served.id());
        model.set("adapter", adapterNode(adapter));
        return model;
    }

    private static ObjectNode adapterNode(AdapterInfo adapter) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("name", adapter.name());
        node.put("path", adapter.path().toString());
        node.put("scale", adapter.defaultScale());
        node.put("state", adapter.state().name().toLowerCase(java.util.Locale.ROOT));
        node.put("size_bytes", adapter.sizeBytes());
        node.put("pins", adapter.pins());
        return node;
    }

    Mono<Void> adapters(HttpServerResponse response) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        served.adapters().list().forEach(a -> data.add(adapterNode(a)));
        return Responses.json(response, 200, root);
    }

    Mono<Void> register(ObjectNode body, HttpServerResponse response) {
        String name = Json.requiredString(body, "name", "an adapter");
        String file = Json.requiredString(body, "path", "an adapter");
        Double scale = Json.number(body, "scale", -1e6, 1e6);
        if (name.isBlank() || name.contains(":")) {
            throw ApiException.invalid("name", "an adapter name must be non-blank and have no ':', was '" + name + "'");
        }
        Path path;
        try {
            path = Path.of(file);
        } catch (InvalidPathException e) {
            throw ApiException.invalid("path", "'path' is not a valid path: " + e.getMessage());
        }
        if (served.adapters().isRegistered(name)) {
            throw ApiException.conflict("adapter_exists", "An adapter named '" + name + "' is already registered; "
                    + "DELETE /v1/adapters/" + name + " first");
        }
        AdapterSpec spec = AdapterSpec.of(name, path, scale == null ? 1f : scale.floatValue());
        return Mono.fromCallable(() -> {
                    try {
                        served.adapters().register(spec);
                    } catch (IllegalArgumentException e) {
                        throw ApiException.conflict("adapter_exists", e.getMessage());
                    }
                    try {
                        return served.adapters().load(name);
                    } catch (RuntimeException e) {
                        served.adapters().unregister(name);
                        throw e;
                    }
                })
                .subscribeOn(Schedulers.boundedElastic())
                .flatMap(info -> Responses.json(response, 201, adapterNode(info)));
    }

    Mono<Void> unregister(String name, HttpServerResponse response) {
        Optional<AdapterInfo> info = served.adapters().info(name);
        if (info.isEmpty()) {
            throw ApiException.notFound("adapter_not_found", "No adapter named '" + name + "' is registered");
        }
        if (info.get().pins() > 0) {
            throw ApiException.conflict("adapter_in_use", "The adapter '" + name + "' is in use by running "
                    + "requests (" + info.get().pins() + "); try again when they have ended");
        }
        served.adapters().unregister(name);
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("name", name);
        root.put("deleted", true);
        return Responses.json(response, 200, root);
    }
}
