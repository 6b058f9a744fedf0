"""Query parameters in codegen: read from the schema, typed keywords and builder setters that fill the URL
query (``codegen/query.py``), and the routes that use them (``/sleep``, ``/wake_up``)."""

from __future__ import annotations

import asyncio
import copy
import importlib
import inspect
import json
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from codegen.endpoints import EndpointsError, EndpointsRenderer, read_routes
from codegen.resources import ResourcesRenderer

from codegen import yamlio
from vllm_sdk._config import NOT_GIVEN
from vllm_sdk._requester import query_options

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from types import ModuleType

    from codegen.config import CodegenConfig

_REF = "#/components/schemas/"


def _gadget_doc() -> dict[str, Any]:
    """A route with a body *and* query parameters, and a body-less one with a required query parameter."""
    return {
        "openapi": "3.1.0",
        "paths": {
            "/v1/gadgets": {
                "post": {
                    "summary": "Make Gadget",
                    "parameters": [
                        {
                            "name": "dry_run",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "boolean", "default": False},
                            "description": "Only check the request.",
                        },
                        {
                            "name": "tags",
                            "in": "query",
                            "schema": {"type": "array", "items": {"type": "string"}},
                        },
                    ],
                    "requestBody": {
                        "content": {"application/json": {"schema": {"$ref": _REF + "GadgetRequest"}}}
                    },
                    "responses": {
                        "200": {
                            "content": {"application/json": {"schema": {"$ref": _REF + "GadgetResponse"}}}
                        }
                    },
                    "x-sdk-route": "gadgets.create",
                }
            },
            "/drain": {
                "post": {
                    "summary": "Drain",
                    "parameters": [
                        {
                            "name": "seconds",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "integer"},
                            "description": "How long to drain for.",
                        },
                        {
                            "name": "mode",
                            "in": "query",
                            "schema": {"enum": ["soft", "hard"], "type": "string"},
                        },
                    ],
                    "responses": {
                        "200": {
                            "content": {"application/json": {"schema": {"$ref": _REF + "GadgetResponse"}}}
                        }
                    },
                    "x-sdk-route": "drain",
                }
            },
        },
        "components": {
            "schemas": {
                "GadgetRequest": {
                    "type": "object",
                    "title": "GadgetRequest",
                    "properties": {"size": {"type": "integer", "title": "Size"}},
                    "required": ["size"],
                },
                "GadgetResponse": {
                    "type": "object",
                    "title": "GadgetResponse",
                    "properties": {"id": {"type": "string", "title": "Id"}},
                    "required": ["id"],
                },
            }
        },
    }


def test_read_routes_reads_query_parameters() -> None:
    routes = {r.name: r for r in read_routes(_gadget_doc())}
    dry_run, tags = routes["gadgets.create"].query
    assert (dry_run.name, dry_run.required, dry_run.description) == (
        "dry_run",
        False,
        "Only check the request.",
    )
    assert tags.schema == {"type": "array", "items": {"type": "string"}}
    seconds, mode = routes["drain"].query
    assert (seconds.name, seconds.required) == ("seconds", True)
    assert mode.schema["enum"] == ["soft", "hard"]


@pytest.mark.parametrize("where", ["path", "header", "cookie"])
def test_parameters_other_than_query_are_an_error(where: str) -> None:
    doc = _gadget_doc()
    doc["paths"]["/drain"]["post"]["parameters"].append(
        {"name": "x", "in": where, "schema": {"type": "string"}}
    )
    with pytest.raises(EndpointsError, match=f"parameter 'x' in '{where}' is not supported"):
        read_routes(doc)


def _renderer(doc: dict[str, Any], settings: dict[str, Any] | None = None) -> ResourcesRenderer:
    return ResourcesRenderer(EndpointsRenderer(doc, "pkg.types"), settings or {}, {}, "pkg.types")


def test_keyword_methods_take_typed_query_keywords_required_first() -> None:
    text = _renderer(_gadget_doc()).render_resources()
    drain = text[text.index("    def drain(") : text.index("    async def drain(")]
    # a required query parameter has no default and comes first; optional ones default to NOT_GIVEN
    assert "seconds: int,\n" in drain
    assert "mode: Literal['soft', 'hard'] | NotGiven = NOT_GIVEN," in drain
    assert drain.index("seconds: int") < drain.index("mode:")
    assert "query_options({'seconds': seconds, 'mode': mode}, extra_query)" in drain
    assert "How long to drain for." in drain
    gadgets = text[text.index("class Gadgets(") : text.index("class AsyncGadgets(")]
    assert "tags: Sequence[str] | NotGiven = NOT_GIVEN," in gadgets
    assert "**params: Unpack[GadgetRequestParams]" in gadgets
    assert "from collections.abc import Coroutine, Mapping, Sequence" in text


def test_builders_get_query_setters_that_never_touch_the_body() -> None:
    text = _renderer(_gadget_doc()).render_builders()
    assert "class DrainBuilder(BuilderMixin):" in text
    assert "return self._set_query('seconds', value)" in text
    assert "return self._set_query('dry_run', value)" in text
    # the body-less route sends no body; the body route sends its body; both put the query in the URL
    drain = text[text.index("class DrainBuilder(") : text.index("class AsyncDrainBuilder(")]
    assert "self._route,\n            None," in drain or "self._route, None," in drain
    assert "query_options(self._query, extra_query)" in drain


def test_a_query_setter_clashing_with_a_body_setter_is_rejected() -> None:
    doc = _gadget_doc()
    doc["paths"]["/v1/gadgets"]["post"]["parameters"][0]["name"] = "size"
    with pytest.raises(EndpointsError, match="clashes with a body field setter"):
        _renderer(doc).render_builders()


def test_a_query_parameter_shadowing_a_per_call_option_is_rejected() -> None:
    doc = _gadget_doc()
    doc["paths"]["/drain"]["post"]["parameters"][0]["name"] = "timeout"
    with pytest.raises(EndpointsError, match="clashes with a per-call option"):
        _renderer(doc).render_resources()


def test_a_query_route_cannot_also_mount_its_builder() -> None:
    with pytest.raises(EndpointsError, match="has query parameters"):
        _renderer(_gadget_doc(), {"gadgets.create": {"builder": True}})


def test_a_bare_array_response_needs_a_configured_class() -> None:
    doc = _gadget_doc()
    doc["components"]["schemas"]["GadgetList"] = {"type": "array", "items": {"$ref": _REF + "GadgetResponse"}}
    ok = doc["paths"]["/drain"]["post"]["responses"]["200"]["content"]["application/json"]
    ok["schema"] = {"$ref": _REF + "GadgetList"}
    with pytest.raises(EndpointsError, match="answers a bare JSON array"):
        _renderer(doc)
    endpoints = EndpointsRenderer(doc, "pkg.types").render()
    assert "response_model=None," in endpoints  # a type alias is no model class
    assert "GadgetList" not in endpoints


def test_a_free_keyed_object_response_needs_a_configured_class() -> None:
    # ``{"additionalProperties": {...}}`` with no properties is a dict type alias too (``/kv_event_sources``).
    doc = _gadget_doc()
    doc["components"]["schemas"]["GadgetMap"] = {
        "type": "object",
        "additionalProperties": {"$ref": _REF + "GadgetResponse"},
    }
    ok = doc["paths"]["/drain"]["post"]["responses"]["200"]["content"]["application/json"]
    ok["schema"] = {"$ref": _REF + "GadgetMap"}
    with pytest.raises(EndpointsError, match="answers a bare JSON array or free-keyed object"):
        _renderer(doc)
    endpoints = EndpointsRenderer(doc, "pkg.types").render()
    assert "response_model=None," in endpoints
    assert "GadgetMap" not in endpoints


def test_query_options_drops_not_given_lists_sequences_and_lets_extra_query_win() -> None:
    given = {"level": 2, "mode": NOT_GIVEN, "tags": ("a", "b"), "flag": False}
    assert query_options(given, None) == {"level": 2, "tags": ["a", "b"], "flag": False}
    assert query_options(given, {"level": 1, "x": "y"}) == {
        "level": 1,
        "tags": ["a", "b"],
        "flag": False,
        "x": "y",
    }
    assert query_options({"mode": NOT_GIVEN}, None) is None


def _drain_handler(seen: list[httpx.Request]) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": "g-1"})

    return handler


def test_generated_query_routes_send_the_query_on_both_clients(
    tmp_path: Path,
    repo_config: CodegenConfig,
    temp_package: Callable[[CodegenConfig, Path], ModuleType],
) -> None:
    doc = yamlio.load(repo_config.schema)
    extra = _gadget_doc()
    doc["paths"].update(extra["paths"])
    doc["components"]["schemas"].update(extra["components"]["schemas"])
    schema = tmp_path / "openapi.yaml"
    schema.write_text(yamlio.dumps(doc), encoding="utf-8")
    endpoints = temp_package(repo_config, schema)
    pkg = endpoints.__name__.rsplit(".", 1)[0]
    sdk = importlib.import_module(pkg)
    builders = importlib.import_module(f"{pkg}.resources._generated_builders")
    resources = importlib.import_module(f"{pkg}.resources._generated")
    assert (
        inspect.signature(resources.ClientResources.drain).parameters["seconds"].default
        is inspect.Parameter.empty
    )

    seen: list[httpx.Request] = []
    client = sdk.VllmClient(
        "http://q.test/v1", http_client=httpx.Client(transport=httpx.MockTransport(_drain_handler(seen)))
    )
    with client:
        client.drain(seconds=5)
        client.drain(seconds=5, mode="hard", extra_query={"mode": "soft", "trace": "1"})
        client.gadgets.create(size=3, dry_run=True, tags=["a", "b"])
        builder = builders.GadgetsCreateBuilder(client._requester).size(4).tags(["x"])
        assert builder.to_dict() == {"size": 4}  # the query never reaches the body
        builder.dry_run(True).send()
        builder.send()  # copy-on-write: the earlier setter did not change this builder
        builders.DrainBuilder(client._requester).seconds(1).mode("soft").send()
    queries = [r.url.params.multi_items() for r in seen]
    assert queries[0] == [("seconds", "5")]
    assert queries[1] == [("seconds", "5"), ("mode", "soft"), ("trace", "1")]
    assert queries[2] == [("dry_run", "true"), ("tags", "a"), ("tags", "b")]
    assert json.loads(seen[2].content) == {"size": 3}
    assert queries[3] == [("tags", "x"), ("dry_run", "true")]
    assert queries[4] == [("tags", "x")]
    assert json.loads(seen[4].content) == {"size": 4}
    assert queries[5] == [("seconds", "1"), ("mode", "soft")]
    assert seen[5].content == b""

    async def run_async() -> None:
        transport = httpx.MockTransport(_drain_handler(seen))
        async with sdk.AsyncVllmClient(
            "http://q.test/v1", http_client=httpx.AsyncClient(transport=transport)
        ) as aclient:
            await aclient.drain(seconds=7, mode="hard")
            await builders.AsyncDrainBuilder(aclient._requester).seconds(8).send()

    asyncio.run(run_async())
    assert [r.url.params.multi_items() for r in seen[-2:]] == [
        [("seconds", "7"), ("mode", "hard")],
        [("seconds", "8")],
    ]


# ---------------------------------------------------------------- several request variants and a query
# Every ``@overload`` of a keyword route with several request variants carries the query keywords the
# implementation takes, so a call passing one type-checks (it was a mypy ``call-overload`` error when only
# the implementation had them). No committed route has both yet: the tests generate one.


def _two_variant_doc() -> dict[str, Any]:
    """``gadgets.create`` (query ``dry_run``, ``tags``) whose body is one of two request schemas."""
    doc = copy.deepcopy(_gadget_doc())
    op = doc["paths"]["/v1/gadgets"]["post"]
    op["requestBody"]["content"]["application/json"]["schema"] = {
        "anyOf": [{"$ref": _REF + "GadgetRequest"}, {"$ref": _REF + "HeavyGadgetRequest"}]
    }
    doc["components"]["schemas"]["HeavyGadgetRequest"] = {
        "type": "object",
        "title": "HeavyGadgetRequest",
        "properties": {"weight": {"type": "number", "title": "Weight"}},
        "required": ["weight"],
    }
    return doc


def _class(text: str, cls: str) -> str:
    """The text of class ``cls`` in generated ``text`` (up to the next top-level class)."""
    start = text.index(f"\nclass {cls}(")
    end = text.find("\nclass ", start + 1)
    return text[start : end if end != -1 else len(text)]


def test_every_overload_of_a_multi_variant_keyword_route_has_its_query_keywords() -> None:
    renderer = ResourcesRenderer(EndpointsRenderer(_two_variant_doc(), "pkg.types"), {}, {}, "pkg.types")
    text = renderer.render_resources()
    for cls in ("Gadgets", "AsyncGadgets"):
        body = _class(text, cls)
        overloads = body.split("@overload")[1:]
        assert len(overloads) == 2  # one per request variant
        assert "Unpack[GadgetRequestParams]" in overloads[0]
        assert "Unpack[HeavyGadgetRequestParams]" in overloads[1]
        for overload in overloads:
            signature = overload[: overload.index(": ...")]
            assert "dry_run: bool | NotGiven = NOT_GIVEN," in signature
            assert "tags: Sequence[str] | NotGiven = NOT_GIVEN," in signature
            # the query keywords come first, as in the implementation
            assert signature.index("dry_run:") < signature.index("extra_body:")


CHECK = """\
from __future__ import annotations

from {pkg} import AsyncVllmClient, VllmClient


def sync_calls(client: VllmClient) -> None:
    client.gadgets.create(size=3, dry_run=True, tags=["a"])
    client.gadgets.create(weight=2.5, dry_run=False)
    client.with_raw_response.gadgets.create(size=1, dry_run=True)
    client.gadgets.create(size=3, dry_run="yes")  # type: ignore[call-overload]


async def async_calls(client: AsyncVllmClient) -> None:
    await client.gadgets.create(weight=1.0, tags=["b"])
"""


@pytest.mark.slow
def test_mypy_accepts_a_query_keyword_on_a_multi_variant_route(
    tmp_path: Path,
    repo_config: CodegenConfig,
    temp_package: Callable[[CodegenConfig, Path], ModuleType],
) -> None:
    doc = yamlio.load(repo_config.schema)
    extra = _two_variant_doc()
    doc["paths"]["/v1/gadgets"] = extra["paths"]["/v1/gadgets"]
    doc["components"]["schemas"].update(extra["components"]["schemas"])
    schema = tmp_path / "openapi.yaml"
    schema.write_text(yamlio.dumps(doc), encoding="utf-8")
    endpoints = temp_package(repo_config, schema)
    pkg = endpoints.__name__.rsplit(".", 1)[0]
    root = tmp_path / "pkgroot"
    (root / "check_gadgets.py").write_text(CHECK.format(pkg=pkg), encoding="utf-8")

    # At run time, too, both variants send the query keyword.
    sdk = sys.modules[pkg]
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": "g-1"})

    transport = httpx.MockTransport(handler)
    with sdk.VllmClient("http://q.test/v1", http_client=httpx.Client(transport=transport)) as client:
        client.gadgets.create(weight=2.5, dry_run=True)
    assert seen[0].url.params["dry_run"] == "true"
    assert seen[0].content == b'{"weight":2.5}'

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--hide-error-context",
            "--cache-dir",
            str(tmp_path / "mypy-cache"),
            "--config-file",
            str(root / "pyproject.toml"),
            "check_gadgets.py",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
