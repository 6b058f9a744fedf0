"""Schema drift: the live server's ``/openapi.json`` against the vendored ``schema/openapi.yaml``."""

from __future__ import annotations

import httpx
import pytest
import yaml

from .real_support import SCHEMA, ServerInfo
from .schema_drift import drift

pytestmark = pytest.mark.real_vllm


def _live_drift(server: ServerInfo) -> list[str]:
    live = httpx.get(f"{server.root}/openapi.json", timeout=30).raise_for_status().json()
    vendored = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))
    return drift(live, vendored)


def test_generate_server_has_no_fields_the_vendored_schema_lacks(main_server: ServerInfo) -> None:
    assert _live_drift(main_server) == []


def test_pooling_server_has_no_fields_the_vendored_schema_lacks(embed_server: ServerInfo) -> None:
    assert _live_drift(embed_server) == []
