package dev.rill.internal.jinja;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** What the conformance test's probes do not show: error lines, raised errors, limits and sharing. */
class JinjaTemplateTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-15T10:30:00Z"), ZoneOffset.UTC);

    private static String render(String template, Map<String, Object> variables) {
        return JinjaTemplate.compile(template).render(variables, CLOCK);
    }

    @Test
    void aSyntaxErrorNamesItsLine() {
        var error = assertThrows(JinjaException.class, () -> JinjaTemplate.compile("a\nb\n{% if x %}\n{{ 1 + }}\n"));
        assertEquals(4, error.line());
        assertTrue(error.getMessage().contains("template line 4"), error.getMessage());
        assertFalse(error.raised());
    }

    @Test
    void aBlockLeftOpenNamesWhereTheTemplateEnded() {
        var error = assertThrows(JinjaException.class, () -> JinjaTemplate.compile("{% for x in y %}\n\n"));
        assertTrue(error.getMessage().contains("endfor"), error.getMessage());
        assertTrue(error.line() >= 1);
    }

    @Test
    void aRenderingErrorNamesTheLineThatFailed() {
        var error = assertThrows(JinjaException.class,
                () -> render("line one\n{% set x = 1 %}\n{{ messages[0].content + 1 }}", Map.of(
                        "messages", List.of(Map.of("content", "hi")))));
        assertEquals(3, error.line());
        assertTrue(error.reason().contains("can only concatenate str"), error.reason());
    }

    @Test
    void anErrorInsideAMacroNamesTheMacrosLine() {
        var error = assertThrows(JinjaException.class,
                () -> render("{% macro m(x) %}\n{{ x.y.z }}\n{% endmacro %}\n\n{{ m({}) }}", Map.of()));
        assertEquals(2, error.line());
    }

    @Test
    void raiseExceptionCarriesTheTemplatesMessageAndLine() {
        var error = assertThrows(JinjaException.class, () -> render(
                "{% if messages[0].role == 'system' %}\n{{ raise_exception('System role not supported') }}\n{% endif %}",
                Map.of("messages", List.of(Map.of("role", "system", "content", "x")))));
        assertTrue(error.raised());
        assertEquals("System role not supported", error.reason());
        assertEquals(2, error.line());
    }

    @Test
    void strftimeNowReadsTheGivenClock() {
        assertEquals("15 Jan 2026", render("{{ strftime_now('%d %b %Y') }}", Map.of()));
    }

    @Test
    void hugeRangesAndRunawayRecursionFailInsteadOfExhaustingTheMachine() {
        assertThrows(JinjaException.class, () -> render("{% for i in range(10 ** 9) %}{% endfor %}", Map.of()));
        var error = assertThrows(JinjaException.class,
                () -> render("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", Map.of()));
        assertTrue(error.reason().contains("recursion"), error.reason());
    }

    @Test
    void javaValuesBecomePythonValues() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("i", 3);
        map.put("f", 2.5f);
        map.put("n", null);
        assertEquals("{'i': 3, 'f': 2.5, 'n': None} | {\"i\": 3, \"f\": 2.5, \"n\": null}",
                render("{{ m }} | {{ m | tojson }}", Map.of("m", map)));
        assertThrows(IllegalArgumentException.class, () -> render("{{ x }}", Map.of("x", new Object())));
    }

    @Test
    void oneCompiledTemplateRendersOnManyThreadsAtOnce() throws Exception {
        JinjaTemplate template = JinjaTemplate.compile(
                "{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{{ m }}{% endfor %}"
                        + "{{ ns.n }}");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int n = t;
                results.add(pool.submit(() -> {
                    for (int i = 0; i < 200; i++) {
                        List<Object> messages = new ArrayList<>();
                        for (int k = 0; k <= n; k++) {
                            messages.add(Integer.toString(k));
                        }
                        StringBuilder expected = new StringBuilder();
                        messages.forEach(expected::append);
                        expected.append(n + 1);
                        if (!template.render(Map.of("messages", messages), CLOCK).contentEquals(expected)) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> result : results) {
                assertTrue(result.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void numbersPastALongAreUndefinedIndexesOrRefusedWidthsNeverACrash() {
        assertEquals("", render("{{ messages.99999999999999999999 }}", Map.of("messages", List.of("a"))));
        assertEquals("", render("{{ (messages | map(attribute='99999999999999999999') | list)[0] }}",
                Map.of("messages", List.of(List.of("a")))));
        var width = assertThrows(JinjaException.class, () -> render("{{ '{:99999999999}'.format(1) }}", Map.of()));
        assertTrue(width.getMessage().contains("Too many decimal digits"), width.getMessage());
        var index = assertThrows(JinjaException.class, () -> render("{{ '{99999999999}'.format(1) }}", Map.of()));
        assertTrue(index.getMessage().contains("out of range"), index.getMessage());
    }
}
