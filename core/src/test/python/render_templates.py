#!/usr/bin/env python3
"""Renders llama.cpp's chat templates with Python's jinja2 the way Hugging Face transformers does, for Rill's tests.

For every models/templates/*.jinja of llama.cpp's source (fetched by tools/llama-templates) and each conversation
below, it writes what jinja2 renders, or the error it raises, into core/src/test/resources/chat-templates.json.
ChatTemplateConformanceTest renders the same conversations in Java and compares byte for byte.

The environment is the one of transformers' apply_chat_template (utils/chat_template_utils.py): an
ImmutableSandboxedEnvironment with trim_blocks and lstrip_blocks, the loopcontrols extension and a {% generation %}
block that renders its body; tojson is json.dumps with ensure_ascii=False; raise_exception raises; strftime_now
formats the current time, fixed here to NOW so the expected strings do not change from day to day. The template
receives messages, tools (None when the conversation has none), add_generation_prompt, bos_token, eos_token and the
conversation's extra variables.

Regenerate (jinja2 3.1.6; the JSON records the version used):
    ./build -pl core generate-test-resources          # fetches the templates into core/target/llama-templates
    python3 core/src/test/python/render_templates.py core/target/llama-templates \\
        core/src/test/resources/chat-templates.json
"""

import datetime
import hashlib
import json
import pathlib
import sys

import jinja2
import jinja2.ext
from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

# The clock strftime_now reads; ChatTemplateConformanceTest fixes Rill's clock to the same instant.
NOW = datetime.datetime(2026, 1, 15, 10, 30, 0)
BOS_TOKEN = "<s>"
EOS_TOKEN = "</s>"

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "Name of the city, e.g. Zürich"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city"],
        },
    },
}

# Each message has the keys Rill's ChatMessage gives a template: role and content always, tool_calls only on an
# assistant message that calls tools (arguments as an object, Hugging Face's convention), tool_call_id only on a
# tool result. Tool call ids are nine alphanumerics, which Mistral's templates insist on.
CONVERSATIONS = {
    "plain": {
        "messages": [{"role": "user", "content": "Hello! Tell me a joke."}],
        "add_generation_prompt": True,
    },
    "multi_turn": {
        "messages": [
            {"role": "system", "content": "You are a concise assistant."},
            {"role": "user", "content": "What is the capital of France?"},
            {"role": "assistant", "content": "Paris."},
            {"role": "user", "content": "And of Italy? Answer with \"one\" word, café-style ☕."},
        ],
        "add_generation_prompt": True,
    },
    "tools": {
        "messages": [
            {"role": "system", "content": "You can look up the weather."},
            {"role": "user", "content": "What's the weather in Paris?"},
            {"role": "assistant", "content": "", "tool_calls": [{
                "id": "call12345", "type": "function",
                "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}}]},
            {"role": "tool", "content": "{\"temperature\": 18, \"sky\": \"clear\"}", "tool_call_id": "call12345"},
        ],
        "tools": [WEATHER_TOOL],
        "add_generation_prompt": True,
    },
    "no_generation_prompt": {
        "messages": [
            {"role": "user", "content": "Hi there"},
            {"role": "assistant", "content": "Hello! How can I help you today?"},
        ],
        "add_generation_prompt": False,
    },
    "thinking_off": {
        "messages": [{"role": "user", "content": "What is 2 + 2?"}],
        "add_generation_prompt": True,
        "variables": {"enable_thinking": False},
    },
}


# Small templates that pin one rule each (whitespace control, scoping, Python's repr and json.dumps, filters,
# string methods, slicing, errors), rendered with the same environment; the test renders them in Java too.
PROBES = {
    "trim_and_lstrip": ("<a>\n  {% if true %}\n    x\n  {% endif %}\n</a>\n", {}),
    "minus_strips_both_sides": ("a  \n  {%- if true -%}  \n  b  \n  {%- endif -%}\n  c", {}),
    "plus_keeps_space": ("a\n  {%+ if true +%}\nb{% endif %}", {}),
    "comment_trims": ("a\n  {# note #}\nb {#- tight -#} c", {}),
    "print_keeps_newline": ("{{ 'x' }}\n{{ 'y' }}\n", {}),
    "raw_block": ("{% raw %}{{ not rendered }}{% endraw %}", {}),
    "loop_scope": ("{% set x = 0 %}{% for i in [1, 2] %}{{ x }}{% set x = i %}{{ x }}{% endfor %}|{{ x }}", {}),
    "namespace": ("{% set ns = namespace(n=0, last=none) %}{% for i in range(5) %}{% set ns.n = ns.n + i %}"
                  "{% if i is even %}{% set ns.last = i %}{% endif %}{% endfor %}{{ ns.n }} {{ ns.last }} {{ ns }}",
                  {}),
    "loop_variables": ("{% for c in 'abc' %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.first }}"
                       "{{ loop.last }}{{ loop.length }}{{ loop.previtem }}{{ loop.nextitem }}"
                       "{{ loop.cycle('x', 'y') }};{% endfor %}", {}),
    "loop_controls": ("{% for i in range(10) %}{% if i is odd %}{% continue %}{% endif %}{% if i > 6 %}{% break %}"
                      "{% endif %}{{ i }}{% else %}empty{% endfor %}{% for i in [] %}x{% else %}empty{% endfor %}",
                      {}),
    "loop_filter_and_unpack": ("{% for k, v in d.items() if v %}{{ k }}={{ v }},{% endfor %}",
                               {"d": {"b": 1, "a": 0, "c": [1]}}),
    "macro_defaults_and_scope": ("{% macro m(a, b=a ~ '!', c=none) %}{{ a }}{{ b }}{{ c }}{{ top }}{% endmacro %}"
                                 "{% set top = 'T' %}{{ m(1) }}|{{ m('x', c=3) }}", {}),
    "macro_recursion": ("{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(4) }}",
                        {}),
    "python_repr": ("{{ [1, 'a', \"it's\", none, true, 1.5, 1e20, 0.00001, -0.0, {'k': (1,)}, ()] }}", {}),
    "arithmetic": ("{{ 7 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 10 / 5 }} {{ 1 + 2.5 }} "
                   "{{ 'ab' * 3 }} {{ [1] * 2 }} {{ true + 1 }} {{ 3 - -2 }}", {}),
    "comparisons": ("{{ 1 == 1.0 }} {{ true == 1 }} {{ '1' == 1 }} {{ [1, 2] == [1, 2] }} {{ (1,) == [1] }} "
                    "{{ 1 < 2 < 3 }} {{ 'a' < 'b' }} {{ 'b' in 'abc' }} {{ 2 not in [1] }} {{ 'k' in {'k': 1} }}", {}),
    "truthiness": ("{% for v in [0, 0.0, '', [], {}, none, 'x', [0], false] %}{{ 'T' if v else 'F' }}{% endfor %}"
                   "{{ 'T' if undefined_name else 'F' }}", {}),
    "conditional_without_else": ("[{{ 'x' if false }}]", {}),
    "undefined_prints_empty": ("[{{ missing }}][{{ d.missing }}][{{ none.x }}][{{ missing | length }}]",
                               {"d": {"a": 1}}),
    "undefined_attribute_fails": ("{{ missing.attr }}", {}),
    "undefined_arithmetic_fails": ("{{ missing + 1 }}", {}),
    "none_is_defined": ("{{ x is defined }} {{ x is none }} {{ y is defined }} {{ x is not none }}", {"x": None}),
    "tests": ("{{ 'a' is string }} {{ 1 is number }} {{ true is number }} {{ 1 is integer }} {{ 1.0 is float }} "
              "{{ {} is mapping }} {{ [] is sequence }} {{ 'x' is iterable }} {{ 3 is divisibleby 3 }} "
              "{{ 'ab' is lower }} {{ true is boolean }} {{ none is sameas none }} {{ 2 is eq 2 }} "
              "{{ range is callable }}", {}),
    "tojson_spacing": ("{{ d | tojson }}|{{ d | tojson(indent=2) }}|{{ d | tojson(sort_keys=true) }}|"
                       "{{ d | tojson(separators=(',', ':')) }}|{{ d | tojson(ensure_ascii=true) }}",
                       {"d": {"b": [1, 2.5, None, True], "a": "é \"q\" \n\t\\ ☕ 😀", "c": {}, "e": []}}),
    "tojson_undefined_fails": ("{{ missing | tojson }}", {}),
    "tojson_generator_fails": ("{{ [1, 2] | map('string') | tojson }}", {}),
    "string_methods": ("{{ '  a b  '.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ '\n\na'.lstrip() }}|{{ 'a\n'.rstrip('\n') }}|"
                       "{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a b c'.split(' ', 1) }}|"
                       "{{ 'a-b-c'.rsplit('-', 1) }}|{{ 'abc'.startswith('ab') }}|{{ 'abc'.endswith(('x', 'c')) }}|"
                       "{{ 'aaa'.replace('a', 'b', 2) }}|{{ 'hello world'.title() }}|{{ 'ÉA'.lower() }}|"
                       "{{ 'x'.upper() }}|{{ 'abc'.find('c') }}|{{ 'a{}b{x}'.format(1, x=2) }}|"
                       "{{ ', '.join(['a', 'b']) }}|{{ 'hello'.capitalize() }}|{{ 'a\nb\n'.splitlines() }}|"
                       "{{ 'abcb'.count('b') }}", {}),
    "slicing": ("{{ 'abcdef'[1:3] }} {{ 'abcdef'[::-1] }} {{ 'abcdef'[-2:] }} {{ [1, 2, 3, 4][1:] }} "
                "{{ [1, 2, 3, 4][::2] }} {{ [1, 2, 3][:-1] }} {{ [1, 2, 3][-1] }} {{ 'é😀x'[1] }} "
                "{{ [1, 2, 3, 4][:n + 1] }}", {"n": 1}),
    "dict_access": ("{{ d.a }} {{ d['a'] }} {{ d.get('b', 'dflt') }} {{ d.items() | list }} {{ d.keys() | list }} "
                    "{{ d['items'] }} {{ d.values() | list }}", {"d": {"a": 1, "items": "i"}}),
    "filters_text": ("{{ '  x  ' | trim }}|{{ 'ab' | upper }}|{{ 'AB' | lower }}|{{ 'hello there' | title }}|"
                     "{{ 'hello' | capitalize }}|{{ 'a-b' | replace('-', '+') }}|{{ 5 | string }}|"
                     "{{ 'a\nb\n\nc' | indent(2) }}|{{ 'a\nb' | indent(2, true) }}|{{ 'x' | center(5) }}|"
                     "{{ '<&>' | escape }}|{{ 'a b c' | wordcount }}|{{ '%s=%d' | format('x', 3) }}", {}),
    "filters_sequences": ("{{ [3, 1, 2] | sort }}|{{ ['b', 'A', 'c'] | sort }}|{{ [3, 1] | sort(reverse=true) }}|"
                          "{{ [1, 2, 2, 1] | unique | list }}|{{ [1, 2] | first }}|{{ [1, 2] | last }}|"
                          "{{ [1, 2] | join(',') }}|{{ [1, 5, 3] | max }}|{{ [1, 5, 3] | min }}|"
                          "{{ [1, 2, 3] | sum }}|{{ 'ab' | list }}|{{ [1, 2, 3] | reverse | list }}|"
                          "{{ {'b': 1, 'a': 2} | dictsort }}|{{ {'a': 1} | items | list }}|"
                          "{{ [1, 2, 3, 4, 5] | batch(2) | list }}|{{ ['a', 'b'] | map('upper') | list }}|"
                          "{{ [3, -1] | map('abs') | list }}", {}),
    "filters_attributes": ("{{ people | selectattr('age', 'gt', 30) | map(attribute='name') | join(',') }}|"
                           "{{ people | rejectattr('admin') | map(attribute='name') | list }}|"
                           "{{ people | selectattr('admin') | list | length }}|"
                           "{{ people | map(attribute='missing', default='-') | list }}|"
                           "{{ people | sort(attribute='age') | map(attribute='name') | first }}|"
                           "{{ people | sum(attribute='age') }}|{{ people | map(attribute='tags.0') | list }}",
                           {"people": [{"name": "Ann", "age": 41, "admin": True, "tags": ["a"]},
                                       {"name": "Bob", "age": 25, "admin": False, "tags": ["b"]},
                                       {"name": "Cy", "age": 35, "admin": False, "tags": ["c"]}]}),
    "filters_numbers": ("{{ '42' | int }} {{ '4.7' | int }} {{ 'x' | int }} {{ 'x' | int(7) }} {{ 3.9 | int }} "
                        "{{ '2.5' | float }} {{ 2.5 | round }} {{ 3.14159 | round(2) }} {{ 2.7 | round(0, 'floor') }} "
                        "{{ -3 | abs }}", {}),
    "default_filter": ("{{ missing | default('d') }} {{ none | default('d') }} {{ '' | default('d', true) }} "
                       "{{ 0 | d(5) }}", {}),
    "length_of_generator_fails": ("{{ [1, 2] | select | length }}", {}),
    "select_on_none_is_empty": ("{{ none | selectattr('x') | list }}", {}),
    "markup_escapes_added_strings": ("{{ 'a' | safe + '<b>' }} {{ '<x>' + ('&' | safe) }}", {}),
    "set_block": ("{% set x %}  a {{ 1 }} {% endset %}[{{ x }}]{% set y | trim %}  b  {% endset %}[{{ y }}]", {}),
    "filter_block": ("{% filter upper %}abc{% endfilter %}", {}),
    "dict_literal_and_in": ("{% set d = {'a': 1, 'b': [1, 2]} %}{{ d }} {{ 'a' in d }} {{ d | length }}", {}),
    "immutable_sandbox": ("{% set l = [1] %}{% set _ = l.append(2) %}{{ l }}", {}),
    "assign_to_non_namespace_fails": ("{% set d = {} %}{% set d.x = 1 %}", {}),
    "raise_exception": ("a{{ raise_exception('bad input') }}", {}),
    "strftime_now": ("{{ strftime_now('%Y-%m-%d %H:%M:%S %a %A %b %B %d %-d %j %p %I %y') }}", {}),
    "none_iteration_fails": ("{% for x in none %}{% endfor %}", {}),
    "string_concat_type_error": ("{{ 'a' + 1 }}", {}),
    "tilde_concat": ("{{ 'a' ~ 1 ~ none ~ true ~ missing }}", {}),
    "unknown_filter_fails": ("{{ 1 | no_such_filter }}", {}),
    "syntax_error": ("{% if %}", {}),
    "unclosed_block": ("{% for x in y %}", {}),
    "generation_block": ("{% generation %}kept{% endgeneration %}", {}),
    "string_escapes": ("{{ 'a\\tb\\n\\u00e9\\x41\\\\' }}|{{ \"q'\" }}", {}),
    "trailing_newline_kept_once": ("x\n\n", {}),
}


class TemplateRaised(Exception):
    """What raise_exception raises (transformers raises jinja2's TemplateError)."""


class GenerationBlock(jinja2.ext.Extension):
    """{% generation %}...{% endgeneration %}: transformers marks the assistant's tokens with it; it renders its body."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_render"), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def raise_exception(message):
    raise TemplateRaised(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(format):
    return NOW.strftime(format)


def environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[GenerationBlock, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def render(env, source, conversation):
    context = dict(conversation.get("variables", {}))
    context.update(messages=conversation["messages"], tools=conversation.get("tools"),
                   add_generation_prompt=conversation["add_generation_prompt"],
                   bos_token=BOS_TOKEN, eos_token=EOS_TOKEN)
    return render_with(env, source, context)


def render_with(env, source, context):
    try:
        template = env.from_string(source)
    except jinja2.TemplateSyntaxError as e:
        return {"error": "syntax: " + str(e)}
    try:
        return {"output": template.render(**context)}
    except TemplateRaised as e:
        return {"error": "raise_exception: " + str(e)}
    except Exception as e:  # what a template does wrong: undefined calls, unsafe access, type errors, ...
        return {"error": type(e).__name__ + ": " + str(e)}


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    folder, out = pathlib.Path(argv[1]), pathlib.Path(argv[2])
    files = sorted(folder.glob("*.jinja"))
    if not files:
        print(f"no *.jinja in {folder}: run ./build -pl core generate-test-resources first", file=sys.stderr)
        return 1
    source_properties = folder / "source.properties"
    source = {}
    if source_properties.exists():
        for line in source_properties.read_text(encoding="utf-8").splitlines():
            if "=" in line and not line.startswith("#"):
                key, value = line.split("=", 1)
                source[key] = value
    env = environment()
    templates = {}
    outputs = errors = 0
    for file in files:
        raw = file.read_bytes()
        text = raw.decode("utf-8")
        results = {}
        for name, conversation in CONVERSATIONS.items():
            results[name] = render(env, text, conversation)
            if "output" in results[name]:
                outputs += 1
            else:
                errors += 1
        templates[file.name] = {"sha256": hashlib.sha256(raw).hexdigest(), "results": results}
    probes = {}
    for name, (source, variables) in PROBES.items():
        probes[name] = {"template": source, "variables": variables, **render_with(env, source, variables)}
    document = {
        "comment": "Written by core/src/test/python/render_templates.py; regenerate with the commands in its docstring.",
        "jinja2": jinja2.__version__,
        "source": {key: source[key] for key in ("npm.package", "npm.version", "llama.release", "llama.commit")
                   if key in source},
        "now": NOW.isoformat(),
        "bos_token": BOS_TOKEN,
        "eos_token": EOS_TOKEN,
        "conversations": CONVERSATIONS,
        "templates": templates,
        "probes": probes,
    }
    out.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(files)} templates x {len(CONVERSATIONS)} conversations: {outputs} rendered, {errors} raised; "
          f"{len(PROBES)} probes; wrote {out} ({out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
