"""ingest/load/jinja_cache.py: Jinja's compilations kept between dbt builds, served only for the
exact text and environment they were made from."""

from __future__ import annotations

import jinja2
import pytest
from jinja2 import pass_context

from ingest.load import jinja_cache


@pytest.fixture
def compiles(monkeypatch):
    """Jinja's own compile, counted; restored after the test (install patches the class)."""
    original = jinja2.Environment.compile
    calls = []

    def counted(self, source, name=None, filename=None, raw=False, defer_init=False):
        calls.append(source if isinstance(source, str) else "<node>")
        return original(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    return calls


def _render(text, **kw):
    return jinja2.Environment().from_string(text).render(**kw)


def test_a_second_build_compiles_nothing_it_compiled_before(tmp_path, compiles):
    save = jinja_cache.install(tmp_path)
    assert _render("{{ x | upper }}-{% for i in n %}{{ i }}{% endfor %}", x="a", n=[1, 2]) == "A-12"
    save()
    assert compiles == ["{{ x | upper }}-{% for i in n %}{{ i }}{% endfor %}"]
    assert (tmp_path / jinja_cache.CACHE_FILE).is_file()

    save = jinja_cache.install(tmp_path)  # a new build: the file read again
    before = len(compiles)
    assert _render("{{ x | upper }}-{% for i in n %}{{ i }}{% endfor %}", x="b", n=[3]) == "B-3"
    assert len(compiles) == before  # served from the file
    # one character changed: compiled afresh, and right
    assert _render("{{ x | lower }}-{% for i in n %}{{ i }}{% endfor %}", x="B", n=[3]) == "b-3"
    assert len(compiles) == before + 1
    save()


def test_the_same_text_in_another_environment_is_compiled_for_that_environment(tmp_path, compiles):
    """A filter that takes the context is called differently by the compiled code: an
    environment whose filter of that name does not is another key."""
    jinja_cache.install(tmp_path)()
    plain = jinja2.Environment()
    plain.filters["tag"] = lambda v: f"<{v}>"
    with_ctx = jinja2.Environment()
    with_ctx.filters["tag"] = pass_context(lambda ctx, v: f"<{ctx['who']}:{v}>")
    assert plain.from_string("{{ 1 | tag }}").render() == "<1>"
    assert with_ctx.from_string("{{ 1 | tag }}").render(who="me") == "<me:1>"
    assert len(compiles) == 2


def test_a_damaged_or_foreign_cache_file_is_ignored(tmp_path, compiles):
    path = tmp_path / jinja_cache.CACHE_FILE
    for content in (b"\x00garbage", b"", __import__("marshal").dumps({b"format": b"another", b"k": b"v"})):
        path.write_bytes(content)
        save = jinja_cache.install(tmp_path)
        assert _render("{{ 6 * 7 }}") == "42"
        save()
    # the last build rewrote the file in its own format: the next one compiles nothing
    n = len(compiles)
    jinja_cache.install(tmp_path)
    assert _render("{{ 6 * 7 }}") == "42"
    assert len(compiles) == n


def test_a_build_compiles_with_the_cache_of_the_last(real_warehouse):
    target = real_warehouse["paths"].build_dir / "dbt_target"
    assert (target / jinja_cache.CACHE_FILE).stat().st_size > 10_000


def test_dbt_macro_debugging_compiles_every_template(tmp_path, compiles, monkeypatch):
    """--macro-debugging shows the Python of each template compiled: nothing is served then."""
    from dbt_common.clients import jinja as dbt_jinja

    save = jinja_cache.install(tmp_path)
    assert _render("{{ 1 + 1 }}") == "2"
    save()  # the template is in the file now
    n = len(compiles)
    jinja_cache.install(tmp_path)
    assert _render("{{ 1 + 1 }}") == "2"
    assert len(compiles) == n  # served
    monkeypatch.setattr(dbt_jinja, "MACRO_DEBUGGING", True)
    jinja_cache.install(tmp_path)
    assert _render("{{ 1 + 1 }}") == "2"
    assert len(compiles) == n + 1  # compiled again, for dbt's linecache
