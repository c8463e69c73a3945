"""ingest/load/schema_cache.py: dbt's JSON schemas kept between runs, served only for the class
code and package versions they were built from."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from dbt_common.dataclass_schema import ValidationError, dbtClassMixin

from ingest.load import schema_cache


@pytest.fixture
def builds(monkeypatch):
    """dbt_common's own json_schema, counted; the class attribute restored after the test."""
    original = dbtClassMixin.json_schema.__func__
    calls = []

    def counted(cls):
        calls.append(cls.__qualname__)
        return original(cls)

    monkeypatch.setattr(dbtClassMixin, "json_schema", classmethod(counted))
    return calls


@dataclass
class Thing(dbtClassMixin):
    name: str
    size: int = 0


def test_a_second_run_builds_no_schema_it_built_before(tmp_path, builds):
    save = schema_cache.install(tmp_path)
    Thing.validate({"name": "a", "size": 1})
    save()
    assert builds == ["Thing"]
    assert (tmp_path / schema_cache.CACHE_FILE).is_file()

    save = schema_cache.install(tmp_path)  # a new run: the file read again
    Thing.validate({"name": "b"})
    with pytest.raises(ValidationError):  # the schema served still rejects what it must
        Thing.validate({"name": 3})
    save()
    assert builds == ["Thing"]


def test_the_served_schema_is_the_one_dbt_builds(tmp_path, builds):
    """Through the JSON file and back, for the classes dbt validates at every start."""
    from dbt.adapters.duckdb.credentials import DuckDBCredentials
    from dbt.contracts.project import Project, ProjectFlags

    for cls in (Project, ProjectFlags, DuckDBCredentials):
        schema_cache.install(tmp_path)()
        first = cls.json_schema()
        schema_cache.install(tmp_path)()
        assert cls.json_schema() == first
        assert json.loads(json.dumps(first)) == first


def test_a_damaged_foreign_or_stale_file_is_ignored(tmp_path, builds):
    path = tmp_path / schema_cache.CACHE_FILE
    for content in ("\x00garbage", "", json.dumps({"versions": "another dbt", "schemas": {}}), "[1, 2]"):
        path.write_text(content)
        save = schema_cache.install(tmp_path)
        Thing.validate({"name": "a"})
        save()
    assert builds == ["Thing"] * 4
    # a schema stored under the class's key but its module file changed since: built again
    data = json.loads(path.read_text())
    (key,) = [k for k in data["schemas"] if ".Thing " in k]
    data["schemas"] = {key.rsplit(" ", 1)[0] + " 1": {"type": "null"}}
    path.write_text(json.dumps(data))
    schema_cache.install(tmp_path)
    Thing.validate({"name": "a"})  # the stale entry (which would reject every object) is not used
    assert builds == ["Thing"] * 5


def test_a_build_leaves_the_schemas_for_the_next(real_warehouse):
    from ingest.load.build import BUILD_CACHE

    target = real_warehouse["paths"].build_dir / "dbt_target"
    data = json.loads((target / schema_cache.CACHE_FILE).read_text())
    assert any("dbt.contracts.project.Project " in k for k in data["schemas"])
    assert (BUILD_CACHE / schema_cache.CACHE_FILE).is_file()
