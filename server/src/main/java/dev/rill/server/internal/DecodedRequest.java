package dev.rill.server.internal;

import dev.rill.GenerationRequest;
import dev.rill.adapters.AdapterSelection;

/**
 * What a generating endpoint reads from a body before it generates: the request and the adapters it asks for.
 * Reading a body either gives this or throws a 4xx {@link ApiException}; the request fuzz target holds every
 * endpoint to that.
 */
record DecodedRequest(GenerationRequest request, AdapterSelection adapters) {
}
