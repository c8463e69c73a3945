"""dbt's JSON schemas kept between dbt runs (the runner's process only).

Before it runs anything, dbt validates dbt_project.yml, the profile, the credentials and its own
flags against JSON schemas that mashumaro builds from dbt's dataclasses, walking every field of
every nested class: about 0.2 s of each build's start, the same result build after build.
dbt_common keeps the schema per class for the life of one process (an lru_cache on
dbtClassMixin.json_schema); here it is kept in json_schemas.json in dbt's target directory,
beside the partial parse.

A schema is a function of its class's code. The key holds the class's module and name, the
versions of every package that defines or builds one (dbt-core, dbt-common, dbt-adapters,
dbt-duckdb, mashumaro), Python's version, and the path, size and modification time of the
class's module file (an edited source of an editable install is another key). A damaged or
foreign file is ignored; a class not in the file is built as dbt builds it.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from ingest.safeio import atomic_write_text

CACHE_FILE = "json_schemas.json"
_MAX_BYTES = 16 * 1024 * 1024  # a file beyond this is not ours: ignored
_PACKAGES = ("dbt-core", "dbt-common", "dbt-adapters", "dbt-duckdb", "mashumaro")


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    parts = [f"python {sys.version_info[0]}.{sys.version_info[1]}.{sys.version_info[2]}"]
    for name in _PACKAGES:
        try:
            parts.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            parts.append(f"{name} -")
    return "; ".join(parts)


def _class_key(cls) -> str | None:
    module = sys.modules.get(cls.__module__)
    file = getattr(module, "__file__", None)
    if not file:
        return None  # a class made at run time (no source file to stand for its code): not kept
    try:
        st = os.stat(file)
    except OSError:
        return None
    return f"{cls.__module__}.{cls.__qualname__} {file} {st.st_size} {st.st_mtime_ns}"


def _load(path: Path, versions: str) -> dict:
    try:
        if path.stat().st_size > _MAX_BYTES:
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(data, dict) or data.get("versions") != versions or not isinstance(data.get("schemas"), dict):
        return {}  # another dbt, mashumaro or Python: build afresh
    return data["schemas"]


def install(target: Path):
    """Serve dbtClassMixin.json_schema from target/json_schemas.json; returns save(), which
    writes the file back when this run built a schema it did not hold."""
    from dbt_common.dataclass_schema import dbtClassMixin

    path = target / CACHE_FILE
    versions = _versions()
    stored = _load(path, versions)
    # a second install (a test, a second run in one process) replaces the first, not wraps it
    original = getattr(dbtClassMixin.json_schema, "ingest_original", dbtClassMixin.json_schema.__func__)
    built: dict[str, dict] = {}  # this process's schemas, one object per class as dbt's cache gives
    new = []

    def json_schema(cls):
        key = _class_key(cls)
        if key is None:
            return original(cls)
        schema = built.get(key)
        if schema is None:
            schema = stored.get(key)
            if not isinstance(schema, dict):
                schema = original(cls)
                new.append(key)
            built[key] = schema
        return schema

    json_schema.ingest_original = original
    dbtClassMixin.json_schema = classmethod(json_schema)

    def save() -> None:
        if not new:
            return  # every schema came from the file: nothing to write
        try:
            atomic_write_text(path, json.dumps({"versions": versions, "schemas": {**stored, **built}}))
        except (OSError, TypeError, ValueError):
            pass  # the next run builds them again: nothing is lost

    return save
