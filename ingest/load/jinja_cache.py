"""Compiled Jinja templates kept between dbt builds (the runner's process only).

Every build, dbt turns each node's SQL and each macro it calls into a Jinja template: parse,
generate Python source, compile that to bytecode. That is the same work on the same text build
after build, about a tenth of dbt's Python time in the run of a small build. Here the bytecode is
kept in one file (jinja_code.marshal in dbt's target directory, beside its partial parse) under
a key of everything the compilation reads: the environment's class, code generator, delimiters,
options, extensions and the names and calling conventions of its filters and tests, the
template's name and file name, and its source text. A changed template, a new dbt or Jinja, or
another Python (marshal's format) is a different key or an unreadable file, so it is compiled
again; nothing is ever served for text it was not compiled from.

The file is written only when the build used a template it did not hold, and holds only the
templates this build used. It is read back with marshal, like the .pyc files Python itself
writes into the checkout: it is as trusted as the directory it lives in.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from pathlib import Path

CACHE_FILE = "jinja_code.marshal"
_MAX_BYTES = 64 * 1024 * 1024  # a cache file beyond this is not ours: ignored
_FORMAT = f"jinja_code/1/{sys.version_info[0]}.{sys.version_info[1]}/{marshal.version}"


def _environment_key(env) -> str:
    import jinja2
    from jinja2.utils import _PassArg

    def callables(d) -> tuple:
        return tuple(sorted((name, str(_PassArg.from_obj(f))) for name, f in d.items()))

    parts = (type(env).__module__, type(env).__qualname__, jinja2.__version__,
             env.code_generator_class.__module__, env.code_generator_class.__qualname__,
             env.block_start_string, env.block_end_string, env.variable_start_string,
             env.variable_end_string, env.comment_start_string, env.comment_end_string,
             env.line_statement_prefix, env.line_comment_prefix, env.trim_blocks, env.lstrip_blocks,
             env.newline_sequence, env.keep_trailing_newline, env.optimized,
             env.autoescape if isinstance(env.autoescape, bool) else "callable",
             None if env.finalize is None else str(_PassArg.from_obj(env.finalize)), env.is_async, tuple(sorted(env.extensions)),
             callables(env.filters), callables(env.tests))
    return repr(parts)


def _load(path: Path) -> dict[bytes, bytes]:
    try:
        if path.stat().st_size > _MAX_BYTES:
            return {}
        data = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    if not isinstance(data, dict) or data.get(b"format") != _FORMAT.encode():
        return {}  # another Python or another layout: compile afresh
    return data


def install(target: Path):
    """Serve Jinja compilations from target/jinja_code.marshal; returns save(), which writes the
    file back when this build compiled anything new."""
    import jinja2

    path = target / CACHE_FILE
    cache = _load(path)
    used: dict[bytes, bytes] = {b"format": _FORMAT.encode()}
    # a second install (a test, a second build in one process) replaces the first, not wraps it
    original = getattr(jinja2.Environment.compile, "ingest_original", jinja2.Environment.compile)

    def compile(self, source, name=None, filename=None, raw=False, defer_init=False):
        dbt_jinja = sys.modules.get("dbt_common.clients.jinja")
        if raw or not isinstance(source, str) or getattr(dbt_jinja, "MACRO_DEBUGGING", False):
            # dbt's --macro-debugging puts each compiled template's source in linecache as it
            # compiles: a template served from the file would not be there
            return original(self, source, name, filename, raw, defer_init)
        # kept on the environment (dbt makes many, and adds no filter or test to one after it
        # compiled its first template)
        env_key = self.__dict__.get("_ingest_code_key")
        if env_key is None:
            env_key = self.__dict__["_ingest_code_key"] = _environment_key(self)
        key = hashlib.sha256("\0".join((env_key, str(name), str(filename), str(defer_init),
                                        source)).encode("utf-8", "surrogatepass")).digest()
        blob = cache.get(key)
        if blob is not None:
            try:
                code = marshal.loads(blob)
                used[key] = blob
                return code
            except (ValueError, EOFError, TypeError):
                pass  # a damaged entry: compile it again
        code = original(self, source, name, filename, raw, defer_init)
        used[key] = marshal.dumps(code)
        return code

    compile.ingest_original = original
    jinja2.Environment.compile = compile

    def save() -> None:
        if used.keys() <= cache.keys():
            return  # every template came from the file: nothing new to write
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_bytes(marshal.dumps(used))
            os.replace(tmp, path)
        except OSError:
            tmp.unlink(missing_ok=True)  # the next build compiles again: nothing is lost

    return save
