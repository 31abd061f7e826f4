package dev.rill.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.AdapterSet;
import dev.rill.Generation;
import dev.rill.GenerationRequest;
import dev.rill.LoraAdapter;
import dev.rill.Model;
import dev.rill.TokenCallback;
import dev.rill.testkit.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The registry against the real library, with rigged adapters whose effects are known. */
class AdapterRegistryTest {
    static final String BASE = TestModels.plusOne().expectedText("abc", 6); // "defghi"
    static final String PLUS_TWO = TestModels.plusTwo().expectedText("abc", 6); // "egikmo"
    static final String MAPPED = mapped("abc", 6); // "deXYZ["

    /** What the letter-mapping adapter gives: the base's +1, except that 'e' is followed by 'X'. */
    static String mapped(String prompt, int n) {
        StringBuilder text = new StringBuilder();
        String context = prompt;
        for (int i = 0; i < n; i++) {
            String next = context.endsWith("e") ? "X" : TestModels.plusOne().expectedText(context, 1);
            text.append(next);
            context += next;
        }
        return text.toString();
    }

    private Model model;
    private AdapterRegistry registry;

    @BeforeEach
    void load() {
        model = Fixtures.loadModel();
        registry = AdapterRegistry.create(model);
    }

    @AfterEach
    void close() {
        registry.close();
        model.close();
    }

    private String run(AdapterSelection selection) {
        return run(registry, selection, 6);
    }

    static String run(AdapterRegistry registry, AdapterSelection selection, int max) {
        return registry.generate(GenerationRequest.builder("abc").maxTokens(max), selection, TokenCallback.ignore()).text();
    }

    /** Runs one step without adapters, so that the engine detaches adapters no sequence uses any more. */
    private void stepWithoutAdapters() {
        model.generate(GenerationRequest.builder("abc").maxTokens(1).build(), TokenCallback.ignore());
    }

    @Test
    void theFixturesHaveTheirKnownEffects() {
        assertEquals("defghi", BASE);
        assertEquals("egikmo", PLUS_TWO);
        assertEquals("deXYZ[", MAPPED);
    }

    @Test
    void registeringListsStatesAndSizesWithoutLoadingAnything() {
        AdapterInfo info = registry.register("plus-two", Fixtures.plusTwo());
        registry.register("mapping", Fixtures.letterMappingFile(), 0.5f);
        assertEquals(List.of("plus-two", "mapping"), registry.names());
        assertEquals(AdapterState.REGISTERED, info.state());
        assertEquals(Fixtures.tensorBytes(TestModels.plusTwoAdapter()), info.sizeBytes());
        assertEquals(Fixtures.tensorBytes(Fixtures.letterMapping()), registry.info("mapping").orElseThrow().sizeBytes());
        assertEquals(0.5f, registry.info("mapping").orElseThrow().defaultScale());
        assertEquals(0, registry.stats().loaded(), "lazy: nothing loaded yet");
        assertThrows(IllegalArgumentException.class, () -> registry.register("plus-two", Fixtures.plusTwo()));

        assertEquals(PLUS_TWO, run(AdapterSelection.of("plus-two")));
        AdapterInfo used = registry.info("plus-two").orElseThrow();
        assertTrue(used.state() == AdapterState.LOADED || used.state() == AdapterState.IN_USE, used.toString());
        assertTrue(used.cached());
        stepWithoutAdapters();
        assertEquals(AdapterState.LOADED, registry.info("plus-two").orElseThrow().state());
        assertEquals(1, registry.stats().loaded());
        assertEquals(info.sizeBytes(), registry.stats().cachedBytes());

        assertTrue(registry.unregister("plus-two"));
        assertFalse(registry.unregister("plus-two"));
        assertEquals(List.of("mapping"), registry.names());
        assertEquals(0, registry.stats().loaded());
        assertThrows(IllegalArgumentException.class, () -> run(AdapterSelection.of("plus-two")));
        assertEquals(BASE, run(AdapterSelection.none()), "the model is as it was");
    }

    @Test
    void eachRequestRunsWithTheAdaptersItNames() {
        registry.register("plus-two", Fixtures.plusTwo());
        registry.register("mapping", Fixtures.letterMappingFile());
        registry.register("quiet", Fixtures.plusTwoCopy(), 0f);
        assertEquals(PLUS_TWO, run(AdapterSelection.of("plus-two")));
        assertEquals(BASE, run(AdapterSelection.none()));
        assertEquals(MAPPED, run(AdapterSelection.of("mapping")));
        assertEquals(BASE, run(AdapterSelection.of("plus-two", 0f)), "scale 0 is the base model");
        assertEquals(BASE, run(AdapterSelection.of("quiet")), "the registered default scale applies");
        assertEquals(PLUS_TWO, run(AdapterSelection.of("quiet", 1f)), "an explicit scale overrides it");
        assertEquals(TestModels.plusTwo().expectedText("xyz}", 8),
                registry.generate(GenerationRequest.builder("xyz}").maxTokens(8), AdapterSelection.of("plus-two"),
                        TokenCallback.ignore()).text());
        assertEquals(3, registry.stats().loads(), "each adapter was loaded once");
    }

    @Test
    void adaptersMixByScale() {
        registry.register("first", Fixtures.plusTwo());
        registry.register("second", Fixtures.plusTwoCopy());
        // Half the update ties +1 and +2 (greedy keeps the lower id); two halves make the whole.
        assertEquals(BASE, run(AdapterSelection.of("first", 0.5f)));
        assertEquals(PLUS_TWO, run(AdapterSelection.of("first", 0.5f, "second", 0.5f)));
        try (AdapterLease lease = registry.acquire(AdapterSelection.of("first", 0.5f, "second", 0.5f))) {
            assertEquals(2, lease.adapters().entries().size());
            assertEquals(0.5f, lease.adapters().entries().get(1).scale());
        }
    }

    @Test
    void aMidStreamSwitchTakesEffectAtExactlyTheNextToken() {
        registry.register("plus-two", Fixtures.plusTwo());
        registry.register("mapping", Fixtures.letterMappingFile());
        StringBuilder text = new StringBuilder();
        registry.generate(GenerationRequest.builder("abc").maxTokens(9), AdapterSelection.none(), (token, g) -> {
            text.append(token.text());
            if (token.index() == 2) {
                registry.switchAdapters(g, AdapterSelection.of("plus-two"));
            }
            if (token.index() == 5) {
                registry.switchAdapters(g, AdapterSelection.none());
            }
        });
        // d e f under the base, then +2: h j l, then +1 again: m n o.
        assertEquals("defhjlmno", text.toString());

        text.setLength(0);
        registry.generate(GenerationRequest.builder("abc").maxTokens(6), AdapterSelection.of("plus-two"), (token, g) -> {
            text.append(token.text());
            if (token.index() == 0) {
                registry.switchAdapters(g, AdapterSelection.of("mapping"));
            }
        });
        // e under +2, then the mapping (the base except after 'e'): X Y Z [ \
        assertEquals("eXYZ[\\", text.toString());
        stepWithoutAdapters();
        assertEquals(0, registry.info("plus-two").orElseThrow().pins(), "the switch leases ended with the stream");
        assertEquals(AdapterState.LOADED, registry.info("mapping").orElseThrow().state());
    }

    @Test
    void aReevaluatingSwitchEvaluatesTheSequenceAgainUnderTheNewAdapters() {
        registry.register("plus-two", Fixtures.plusTwo());
        StringBuilder text = new StringBuilder();
        long promptTokensBefore = model.stats().promptTokens();
        registry.generate(GenerationRequest.builder("abc").maxTokens(6), AdapterSelection.none(), (token, g) -> {
            text.append(token.text());
            if (token.index() == 2) {
                registry.switchAdaptersAndReevaluate(g, AdapterSelection.of("plus-two"));
            }
        });
        assertEquals("defhjl", text.toString());
        // The 4 prompt tokens, then the prompt again and the 3 tokens generated before the switch.
        assertEquals(4 + 4 + 3, model.stats().promptTokens() - promptTokensBefore);
    }

    @Test
    void concurrentSequencesWithDifferentAdaptersEachGetTheirOwnOutput() {
        registry.register("plus-two", Fixtures.plusTwo());
        registry.register("mapping", Fixtures.letterMappingFile());
        registry.register("copy", Fixtures.plusTwoCopy());
        AdapterSelection[] selections = {AdapterSelection.none(), AdapterSelection.of("plus-two"),
                AdapterSelection.of("mapping"), AdapterSelection.of("plus-two", 0.5f, "copy", 0.5f)};
        String[] expected = {TestModels.plusOne().expectedText("abc", 20), TestModels.plusTwo().expectedText("abc", 20),
                mapped("abc", 20), TestModels.plusTwo().expectedText("abc", 20)};
        long switchesBefore = model.stats().adapterSwitches();
        for (int round = 0; round < 3; round++) {
            List<Generation> generations = new ArrayList<>();
            for (AdapterSelection selection : selections) {
                generations.add(registry.submit(GenerationRequest.builder("abc").maxTokens(20), selection,
                        TokenCallback.ignore()));
            }
            for (int i = 0; i < selections.length; i++) {
                assertEquals(expected[i], generations.get(i).await().text(), "selection " + selections[i]);
            }
        }
        assertTrue(model.stats().adapterSwitches() - switchesBefore > 10, "the groups took turns: " + model.stats());
        assertEquals(3, registry.stats().loads());
    }

    @Test
    void evictionUnderASmallBoundNeverFreesAnAdapterInUse() throws Exception {
        long size = Fixtures.tensorBytes(TestModels.plusTwoAdapter());
        try (AdapterRegistry small = AdapterRegistry.create(model, size + size / 2)) {
            small.register("a", Fixtures.plusTwo());
            small.register("b", Fixtures.plusTwoCopy());
            CountDownLatch running = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            LoraAdapter[] used = new LoraAdapter[1];
            Generation generation = small.submit(GenerationRequest.builder("abc").maxTokens(6), AdapterSelection.of("a"),
                    (token, g) -> {
                        running.countDown();
                        try {
                            release.await(10, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
            assertTrue(running.await(10, TimeUnit.SECONDS));
            assertEquals(AdapterState.IN_USE, small.info("a").orElseThrow().state());
            try (AdapterLease a = small.acquire(AdapterSelection.of("a"))) {
                used[0] = a.adapters().entries().getFirst().adapter();
            }
            // Loading b goes over the bound: the cache evicts one of the two, but a's stream keeps its adapter.
            try (AdapterLease b = small.acquire(AdapterSelection.of("b"))) {
                assertEquals(1, small.stats().evictions());
                assertTrue(small.stats().cachedBytes() <= small.maximumBytes(), small.stats().toString());
                assertEquals(2, small.stats().loaded(), "nothing in use is freed");
                assertFalse(used[0].isClosed() && used[0].isFreed());
                assertFalse(b.adapters().entries().getFirst().adapter().isClosed());
            }
            assertFalse(used[0].isFreed(), "a running stream still uses it");
            release.countDown();
            assertEquals(PLUS_TWO, generation.await().text(), "the stream finished with its adapter");
            stepWithoutAdapters();
            assertEquals(1, small.stats().loaded(), "the evicted one was freed after its last user: " + small.stats());
            assertTrue(small.stats().cachedBytes() <= small.maximumBytes());

            // Each adapter still works: the evicted one is loaded again.
            long loads = small.stats().loads();
            assertEquals(PLUS_TWO, run(small, AdapterSelection.of("a"), 6));
            assertEquals(PLUS_TWO, run(small, AdapterSelection.of("b"), 6));
            assertEquals(PLUS_TWO, run(small, AdapterSelection.of("a"), 6));
            assertTrue(small.stats().loads() > loads, small.stats().toString());
            stepWithoutAdapters();
            assertEquals(1, small.stats().loaded(), small.stats().toString());
        }
    }

    @Test
    void anAdapterEvictedWhileLeasedComesBackWithoutAReload() {
        try (AdapterRegistry none = AdapterRegistry.create(model, 0)) {
            none.register("a", Fixtures.plusTwo());
            try (AdapterLease first = none.acquire(AdapterSelection.of("a"))) {
                AdapterInfo info = none.info("a").orElseThrow();
                assertFalse(info.cached(), "a bound of 0 caches nothing");
                assertEquals(AdapterState.IN_USE, info.state());
                try (AdapterLease second = none.acquire(AdapterSelection.of("a"))) {
                    assertSame(first.adapters().entries().getFirst().adapter(),
                            second.adapters().entries().getFirst().adapter());
                }
                assertEquals(1, none.stats().loads());
                assertEquals(PLUS_TWO, model.generate(GenerationRequest.builder("abc").maxTokens(6)
                        .adapters(first.adapters()).build(), TokenCallback.ignore()).text());
            }
            assertEquals(AdapterState.REGISTERED, none.info("a").orElseThrow().state(), "freed with its last pin");
            assertEquals(0, none.stats().loaded());
            assertEquals(PLUS_TWO, run(none, AdapterSelection.of("a"), 6), "and loaded again when used");
            assertEquals(2, none.stats().loads());
            assertEquals(2, none.stats().misses());
        }
    }

    @Test
    void reloadAfterEvictionGivesAFreshWorkingAdapter() {
        long size = Fixtures.tensorBytes(TestModels.plusTwoAdapter());
        try (AdapterRegistry one = AdapterRegistry.create(model, size + size / 2)) {
            one.register("plus-two", Fixtures.plusTwo());
            one.register("mapping", Fixtures.letterMappingFile());
            one.register("copy", Fixtures.plusTwoCopy());
            LoraAdapter before;
            try (AdapterLease lease = one.acquire(AdapterSelection.of("plus-two"))) {
                before = lease.adapters().entries().getFirst().adapter();
            }
            for (int i = 0; i < 3; i++) {
                assertEquals(MAPPED, run(one, AdapterSelection.of("mapping"), 6));
                assertEquals(PLUS_TWO, run(one, AdapterSelection.of("copy"), 6));
            }
            // The plus-two adapter (rarely used, weight over the bound with any other) was evicted and freed.
            stepWithoutAdapters();
            assertTrue(before.isClosed(), one.stats().toString());
            assertTrue(before.isFreed());
            assertEquals(PLUS_TWO, run(one, AdapterSelection.of("plus-two"), 6));
            try (AdapterLease lease = one.acquire(AdapterSelection.of("plus-two"))) {
                assertNotSame(before, lease.adapters().entries().getFirst().adapter());
            }
            assertTrue(one.stats().evictions() >= 1);
        }
    }

    @Test
    void unregisteringAnAdapterInUseLetsItsStreamFinish() throws Exception {
        registry.register("plus-two", Fixtures.plusTwo());
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Generation generation = registry.submit(GenerationRequest.builder("abc").maxTokens(6),
                AdapterSelection.of("plus-two"), (token, g) -> {
                    running.countDown();
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
        assertTrue(running.await(10, TimeUnit.SECONDS));
        assertTrue(registry.unregister("plus-two"));
        assertEquals(1, registry.stats().loaded(), "pinned by the running stream");
        assertThrows(IllegalArgumentException.class, () -> registry.acquire(AdapterSelection.of("plus-two")));
        release.countDown();
        assertEquals(PLUS_TWO, generation.await().text());
        assertEquals(0, registry.stats().loaded());
        registry.register("plus-two", Fixtures.plusTwo());
        assertEquals(PLUS_TWO, run(AdapterSelection.of("plus-two")), "the name can be registered again");
    }

    @Test
    void eagerAdaptersLoadAtRegistrationAndLoadPreloads() {
        registry.register(AdapterSpec.of("eager", Fixtures.plusTwo()).eager());
        assertEquals(AdapterState.LOADED, registry.info("eager").orElseThrow().state());
        registry.register("lazy", Fixtures.letterMappingFile());
        assertEquals(AdapterState.REGISTERED, registry.info("lazy").orElseThrow().state());
        registry.load("lazy");
        assertEquals(AdapterState.LOADED, registry.info("lazy").orElseThrow().state());
        assertEquals(2, registry.stats().loads());
        assertEquals(MAPPED, run(AdapterSelection.of("lazy")));
        assertEquals(2, registry.stats().loads(), "used from the cache");
        assertEquals(1, registry.stats().hits());
    }

    @Test
    void selectionsAreCheckedByName() {
        registry.register("plus-two", Fixtures.plusTwo());
        var unknown = assertThrows(IllegalArgumentException.class, () -> run(AdapterSelection.of("nope")));
        assertTrue(unknown.getMessage().contains("'nope'"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AdapterSelection.of("a", 1f, "a", 2f));
        assertThrows(IllegalArgumentException.class, () -> AdapterSelection.of("a", Float.NaN));
        // A failing selection pins nothing.
        assertThrows(IllegalArgumentException.class,
                () -> registry.acquire(AdapterSelection.builder().add("plus-two").add("nope").build()));
        assertEquals(0, registry.info("plus-two").orElseThrow().pins());
        assertEquals(AdapterSet.none(), registry.adapterSet(AdapterSelection.none()));
    }

    @Test
    void aClosedRegistryRefusesUseButLeavesRunningStreamsAlone() {
        registry.register("plus-two", Fixtures.plusTwo());
        Generation generation = registry.submit(GenerationRequest.builder("abc").maxTokens(6),
                AdapterSelection.of("plus-two"), TokenCallback.ignore());
        registry.close();
        assertEquals(PLUS_TWO, generation.await().text());
        assertThrows(IllegalStateException.class, () -> registry.acquire(AdapterSelection.of("plus-two")));
        assertThrows(IllegalStateException.class, () -> registry.register("x", Fixtures.plusTwo()));
        registry.close();
    }
}
