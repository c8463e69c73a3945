"""Adapters, one per family of portal platforms, chosen by the registry's `adapter` field.

Each is pure (url, decoded page) → links; see base.Adapter for the interface.
"""

from __future__ import annotations

from ingest.crawl.adapters.base import API, ATTACHMENT, DETAIL, LIST, Adapter, Discovery, Link
from ingest.crawl.adapters.hanweb import HanwebAdapter
from ingest.crawl.adapters.trs import TrsAdapter
from ingest.crawl.adapters.ucap import UcapAdapter
from ingest.crawl.adapters.vsb import VsbAdapter
from ingest.crawl.adapters.zhejiang import ZhejiangAdapter

ADAPTERS: dict[str, type[Adapter]] = {
    cls.name: cls for cls in (Adapter, TrsAdapter, HanwebAdapter, ZhejiangAdapter, UcapAdapter, VsbAdapter)
}


def for_source(source) -> Adapter:
    return ADAPTERS[source.adapter](source.options)


__all__ = ["ADAPTERS", "API", "ATTACHMENT", "DETAIL", "LIST", "Adapter", "Discovery", "Link", "for_source"]
