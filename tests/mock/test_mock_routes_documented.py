"""The testing page's list of the mock's routes (English and Chinese) is the mock's own: a route added to
the mock without a line in the docs, or a documented route the mock does not serve, fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vllm_sdk.testing._app import build_app
from vllm_sdk.testing._state import ServerState

DOCS = Path(__file__).resolve().parents[2] / "docs"
#: One documented route: the method and the path in one code span.
ROUTE = re.compile(r"`(GET|POST) (/[^`\s]*)`")


def _served() -> set[tuple[str, str]]:
    state = ServerState(
        models=("m",), api_key=None, token_delay=0.0, faults=(), max_model_len=2048, embedding_dim=8
    )
    app = build_app(state)
    # aiohttp adds a HEAD route beside every GET one; the docs list the routes the mock was given.
    served = set()
    for route in app.router.routes():
        resource = route.resource
        if route.method != "HEAD" and resource is not None:
            served.add((route.method, resource.canonical))
    return served


def _documented(page: Path, heading: str) -> set[tuple[str, str]]:
    text = page.read_text(encoding="utf-8")
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    section = text[start : end if end >= 0 else len(text)]
    found = ROUTE.findall(section)
    assert len(found) == len(set(found)), f"a route is listed twice in {page}"
    return set(found)


@pytest.mark.parametrize(
    ("language", "heading"), [("en", "## The routes it serves"), ("zh", "## 它提供的路由")]
)
def test_the_documented_routes_are_the_mocks(language: str, heading: str) -> None:
    documented = _documented(DOCS / language / "testing.md", heading)
    served = _served()
    assert sorted(served - documented) == [], "served but not documented"
    assert sorted(documented - served) == [], "documented but not served"
