"""The vendor step: each fix-up on a minimal document, merging rules, and the committed schema's shape."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import TYPE_CHECKING, Any

import pytest
from codegen.routes import ROUTE_SPECS, X_ROUTE, X_STREAM_RESPONSE
from codegen.vendor import (
    VendorError,
    build_document,
    merge_pooling,
    merge_responses,
    prune_components,
    shorten_qualified_names,
)

from codegen import fixups, vendor, yamlio
from reference_data import REFERENCE, require

if TYPE_CHECKING:
    from pathlib import Path

REFERENCE_DIR = REFERENCE
REF = "#/components/schemas/"


def _obj(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": True}
    if required:
        schema["required"] = required
    return schema


def _string() -> dict[str, Any]:
    return {"type": "string"}


# ------------------------------------------------------------------------------------------ fix-ups


def test_reasoning_fields_adds_both_names_as_optional_nullable_strings() -> None:
    doc = {
        "components": {
            "schemas": {
                "ChatMessage": _obj({"role": _string(), "reasoning": _string()}, ["role", "reasoning"]),
                "DeltaMessage": _obj({"content": _string()}),
            }
        }
    }
    fixups.reasoning_fields(doc)
    for name in ("ChatMessage", "DeltaMessage"):
        schema = doc["components"]["schemas"][name]
        for field in ("reasoning", "reasoning_content"):
            assert schema["properties"][field]["anyOf"] == [{"type": "string"}, {"type": "null"}]
            assert field not in schema.get("required", [])
    assert doc["components"]["schemas"]["ChatMessage"]["required"] == ["role"]


def test_stop_reason_becomes_int_str_or_null_everywhere() -> None:
    doc = {
        "components": {
            "schemas": {
                "A": _obj({"stop_reason": {"type": "string", "description": "why"}}, ["stop_reason"]),
                "B": _obj({"stop_reason": {"anyOf": [{"type": "integer"}, {"type": "null"}]}}),
                "C": _obj({"other": _string()}),
            }
        }
    }
    fixups.stop_reason_union(doc)
    schemas = doc["components"]["schemas"]
    for name in ("A", "B"):
        prop = schemas[name]["properties"]["stop_reason"]
        assert prop["anyOf"] == [{"type": "integer"}, {"type": "string"}, {"type": "null"}]
        assert prop["default"] is None
    assert schemas["A"]["properties"]["stop_reason"]["description"] == "why"
    assert "required" not in schemas["A"]
    assert "stop_reason" not in schemas["C"]["properties"]


def test_stream_usage_may_be_absent_or_null() -> None:
    doc = {
        "components": {
            "schemas": {
                "ChatCompletionStreamResponse": _obj({"usage": {"$ref": REF + "UsageInfo"}}, ["usage"]),
                "CompletionStreamResponse": _obj(
                    {"usage": {"anyOf": [{"$ref": REF + "UsageInfo"}], "title": "Usage"}}
                ),
                "UsageInfo": _obj({"prompt_tokens": {"type": "integer"}}),
            }
        }
    }
    fixups.stream_usage_optional(doc)
    for name in ("ChatCompletionStreamResponse", "CompletionStreamResponse"):
        schema = doc["components"]["schemas"][name]
        assert schema["properties"]["usage"]["anyOf"] == [{"$ref": REF + "UsageInfo"}, {"type": "null"}]
        assert "usage" not in schema.get("required", [])
        assert schema["properties"]["usage"]["default"] is None


def test_validation_errors_are_400_not_422() -> None:
    doc: dict[str, Any] = {
        "paths": {
            "/x": {
                "post": {
                    "requestBody": {"content": {}},
                    "responses": {
                        "200": {"description": "ok"},
                        "422": {
                            "content": {"application/json": {"schema": {"$ref": REF + "HTTPValidationError"}}}
                        },
                    },
                }
            },
            "/y": {"get": {"responses": {"200": {"description": "ok"}}}},
        },
        "components": {"schemas": {"HTTPValidationError": _obj({}), "ValidationError": _obj({})}},
    }
    fixups.validation_errors_are_400(doc)
    responses = doc["paths"]["/x"]["post"]["responses"]
    assert "422" not in responses
    assert "400" in responses
    assert "400" not in doc["paths"]["/y"]["get"]["responses"]
    assert doc["components"]["schemas"] == {}


def test_error_bodies_accept_nested_and_flat_shapes() -> None:
    doc: dict[str, Any] = {
        "paths": {
            "/x": {
                "post": {
                    "responses": {
                        "200": {"description": "ok"},
                        "404": {"description": "Not Found"},
                        "500": {"content": {"application/json": {"schema": {}}}},
                    }
                }
            }
        },
        "components": {"schemas": {}},
    }
    fixups.error_body_shapes(doc)
    schemas = doc["components"]["schemas"]
    info = schemas["ErrorInfo"]
    assert info["properties"]["code"] == {"title": "Code", "type": "integer"}
    assert sorted(info["required"]) == ["code", "message", "type"]
    assert schemas["ErrorResponse"]["properties"]["error"] == {"$ref": REF + "ErrorInfo"}
    assert schemas["LegacyErrorResponse"]["properties"]["object"]["const"] == "error"
    responses = doc["paths"]["/x"]["post"]["responses"]
    expected = {"anyOf": [{"$ref": REF + "ErrorResponse"}, {"$ref": REF + "LegacyErrorResponse"}]}
    for status in ("404", "500"):
        assert responses[status]["content"]["application/json"]["schema"] == expected
    assert "content" not in responses["200"]


def test_status_payloads_describe_version_and_load() -> None:
    doc: dict[str, Any] = {}
    fixups.status_payloads(doc)
    schemas = doc["components"]["schemas"]
    assert schemas["VersionResponse"]["properties"]["version"]["type"] == "string"
    assert schemas["LoadResponse"]["properties"]["server_load"]["type"] == "integer"


def test_classify_route_is_derived_from_the_pooling_models() -> None:
    pooling = _obj(
        {"model": _string(), "input": _string(), "dimensions": {"type": "integer"}, "task": _string()},
        ["input"],
    )
    doc: dict[str, Any] = {"paths": {}, "components": {"schemas": {"PoolingCompletionRequest": pooling}}}
    fixups.classify_route(doc)
    made = doc["components"]["schemas"]["ClassificationCompletionRequest"]
    assert list(made["properties"]) == ["model", "input"]
    assert made["required"] == ["input"]
    body = doc["paths"]["/classify"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["anyOf"] == [{"$ref": REF + "ClassificationCompletionRequest"}]
    # a document that already has /classify (a classifier server) is left alone
    before = copy.deepcopy(doc)
    fixups.classify_route(doc)
    assert doc == before


@pytest.mark.parametrize("fixup", [*fixups.SCHEMA_FIXUPS, *fixups.RESPONSE_FIXUPS], ids=lambda f: f.__name__)
def test_every_fixup_is_documented_and_idempotent(
    fixup: fixups.Fixup, committed_schema: dict[str, Any]
) -> None:
    assert fixup.__doc__ is not None
    assert len(fixup.__doc__.strip()) > 40
    doc = copy.deepcopy(committed_schema)
    fixup(doc)
    assert doc == committed_schema


# ------------------------------------------------------------------------------------------ merging


def test_merge_pooling_maps_unqualified_names_onto_qualified_ones() -> None:
    main: dict[str, Any] = {"paths": {}, "components": {"schemas": {"pkg__Message": _obj({"a": _string()})}}}
    pooling = {
        "paths": {"/pooling": {"post": {"requestBody": {"$ref": REF + "PoolReq"}}}},
        "components": {
            "schemas": {
                "Message": _obj({"a": _string()}),
                "PoolReq": _obj({"m": {"$ref": REF + "Message"}}),
            }
        },
    }
    merge_pooling(main, pooling)
    schemas = main["components"]["schemas"]
    assert "Message" not in schemas
    assert schemas["PoolReq"]["properties"]["m"] == {"$ref": REF + "pkg__Message"}
    assert "/pooling" in main["paths"]


def test_merge_responses_hoists_defs_and_resolves_clashes() -> None:
    doc: dict[str, Any] = {
        "components": {
            "schemas": {
                "FunctionCall": _obj({"name": _string(), "arguments": _string()}),
                "Same": _obj({"x": _string()}),
                "Other": _obj({"p": _string(), "q": _string()}),
            }
        }
    }
    dump = {
        "models": {
            "Resp": {
                "module": "m",
                "schema": {
                    "$defs": {
                        "FunctionCall": _obj({"name": _string(), "arguments": _string(), "id": _string()}),
                        "Same": {"type": "object", "properties": {"x": _string()}},
                        "Other": _obj({"p": _string(), "r": _string()}),
                    },
                    **_obj(
                        {
                            "f": {"$ref": "#/$defs/FunctionCall"},
                            "s": {"$ref": "#/$defs/Same"},
                            "o": {"$ref": "#/$defs/Other"},
                        }
                    ),
                },
            }
        }
    }
    merge_responses(doc, dump)
    schemas = doc["components"]["schemas"]
    assert "id" in schemas["FunctionCall"]["properties"]  # strict superset replaces
    assert schemas["Same"]["additionalProperties"] is True  # same properties: existing kept
    assert "r" in schemas["ResponseOther"]["properties"]  # incompatible: renamed
    assert schemas["Resp"]["properties"]["o"] == {"$ref": REF + "ResponseOther"}
    assert schemas["Resp"]["properties"]["f"] == {"$ref": REF + "FunctionCall"}


def test_merge_responses_rejects_a_malformed_dump() -> None:
    with pytest.raises(VendorError, match="models"):
        merge_responses({"components": {"schemas": {}}}, {"how": "x"})


def test_prune_drops_unreachable_and_rejects_dangling_refs() -> None:
    doc: dict[str, Any] = {
        "paths": {"/a": {"get": {"responses": {"200": {"schema": {"$ref": REF + "A"}}}}}},
        "components": {"schemas": {"A": _obj({"b": {"$ref": REF + "B"}}), "B": _obj({}), "C": _obj({})}},
    }
    prune_components(doc)
    assert sorted(doc["components"]["schemas"]) == ["A", "B"]
    doc["components"]["schemas"]["A"]["properties"]["z"] = {"$ref": REF + "Missing"}
    with pytest.raises(VendorError, match="Missing"):
        prune_components(doc)


# ----------------------------------------------------------------------------------- committed schema


def test_committed_schema_has_every_route_wired(committed_schema: dict[str, Any]) -> None:
    paths = committed_schema["paths"]
    schemas = committed_schema["components"]["schemas"]
    for spec in ROUTE_SPECS:
        op = paths[spec.path][spec.method]
        assert op[X_ROUTE] == spec.name
        ok = op["responses"]["200"]
        if spec.response:
            assert ok["content"]["application/json"]["schema"] == {"$ref": REF + spec.response}
            assert spec.response in schemas
        if spec.stream_response:
            assert ok[X_STREAM_RESPONSE] == {"$ref": REF + spec.stream_response}
            assert ok["content"]["text/event-stream"]["schema"] == {"$ref": REF + spec.stream_response}
        for status, response in op["responses"].items():
            assert status != "422"
            if int(status) >= 400:
                assert "ErrorResponse" in json.dumps(response)
    assert "HTTPValidationError" not in schemas
    for name in ("ChatCompletionRequest", "CompletionRequest", "ChatCompletionResponse", "ErrorResponse"):
        assert name in schemas


def test_yaml_is_canonical(committed_schema: dict[str, Any], repo_config: Any) -> None:
    text = repo_config.schema.read_text(encoding="utf-8")
    assert yamlio.dumps(yamlio.loads(text)) == text
    # properties keep vLLM's declaration order; everything else is sorted
    props = list(committed_schema["components"]["schemas"]["ChatCompletionRequest"]["properties"])
    assert props[:2] == ["messages", "model"]
    assert list(committed_schema["paths"]) == sorted(committed_schema["paths"])


def test_build_document_is_deterministic_on_a_minimal_server() -> None:
    main = {
        "openapi": "3.1.0",
        "info": {"title": "FastAPI", "version": "0.1.0"},
        "paths": {
            spec.path: {
                spec.method: {
                    **(
                        {"requestBody": {"content": {"application/json": {"schema": {"$ref": REF + "Req"}}}}}
                        if spec.method == "post"
                        else {}
                    ),
                    "responses": {"200": {"content": {"application/json": {"schema": {}}}}},
                }
            }
            for spec in ROUTE_SPECS
        },
        "components": {"schemas": {"Req": _obj({"model": _string()}), "Unused": _obj({})}},
    }
    responses = {
        "vllm_version": "9.9.9 (test)",
        "models": {
            name: {"schema": _obj({"id": _string()})}
            for spec in ROUTE_SPECS
            for name in filter(None, (spec.response, spec.stream_response))
            if name not in ("VersionResponse", "LoadResponse")
        },
    }
    one = yamlio.dumps(build_document(main, responses))
    two = yamlio.dumps(build_document(copy.deepcopy(main), copy.deepcopy(responses)))
    assert one == two
    doc = yamlio.loads(one)
    assert doc["info"]["version"] == "9.9.9"
    assert "Unused" not in doc["components"]["schemas"]
    assert doc["info"]["x-sdk-fixups"] == [
        f.__name__ for f in (*fixups.SCHEMA_FIXUPS, *fixups.RESPONSE_FIXUPS)
    ]


def test_build_document_records_missing_routes() -> None:
    doc = build_document({"paths": {}, "components": {"schemas": {}}}, {"models": {}})
    assert doc["paths"] == {}
    assert doc["info"]["x-sdk-missing-routes"] == [spec.name for spec in ROUTE_SPECS]


def test_revendoring_the_reference_sources_reproduces_the_committed_schema(
    tmp_path: Path, repo_config: Any
) -> None:
    vendor.vendor(
        str(require(REFERENCE_DIR / "vllm-0.32.0-openapi.json")),
        str(REFERENCE_DIR / "vllm-0.32.0-response-schemas.json"),
        [str(REFERENCE_DIR / "vllm-0.32.0-pooling-openapi.json")],
        tmp_path,
        "cmd",
        root=repo_config.root,
    )
    assert (tmp_path / "openapi.yaml").read_text(encoding="utf-8") == repo_config.schema.read_text(
        encoding="utf-8"
    )


def test_shorten_qualified_names_merges_identical_and_keeps_conflicting() -> None:
    same = _obj({"v": _string()})
    doc: dict[str, Any] = {
        "paths": {"/p": {"post": {"requestBody": {"$ref": REF + "Req"}}}},
        "components": {
            "schemas": {
                "Req": _obj(
                    {
                        "a": {"$ref": REF + "mod_a__Breakpoint"},
                        "b": {"$ref": REF + "mod_b__Breakpoint"},
                        "c": {"$ref": REF + "x__Def"},
                        "d": {"$ref": REF + "y__Def"},
                        "e": {"$ref": REF + "pkg__Message"},
                    }
                ),
                "mod_a__Breakpoint": same,
                "mod_b__Breakpoint": copy.deepcopy(same),
                "x__Def": _obj({"one": _string()}),
                "y__Def": _obj({"two": _string()}),
                "pkg__Message": _obj({"m": _string()}),
            }
        },
    }
    shorten_qualified_names(doc)
    schemas = doc["components"]["schemas"]
    assert sorted(schemas) == ["Breakpoint", "Message", "Req", "x__Def", "y__Def"]
    props = schemas["Req"]["properties"]
    assert props["a"] == props["b"] == {"$ref": REF + "Breakpoint"}
    assert props["c"] == {"$ref": REF + "x__Def"}
    assert props["e"] == {"$ref": REF + "Message"}


def test_vendor_reads_a_live_server_url(tmp_path: Path) -> None:
    """``--from`` accepts the server's ``/openapi.json`` URL (served here by a loopback HTTP server)."""
    import functools
    import http.server
    import threading

    main = {
        "openapi": "3.1.0",
        "info": {"title": "FastAPI", "version": "0.1.0"},
        "paths": {"/health": {"get": {"responses": {"200": {"description": "ok"}}}}},
        "components": {"schemas": {}},
    }
    served = tmp_path / "served"
    served.mkdir()
    (served / "openapi.json").write_text(json.dumps(main), encoding="utf-8")

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(served))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/openapi.json"
        schema_path, source_md = vendor.vendor(url, None, [], tmp_path / "out", "cmd", vllm_version="1.2.3")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    doc = yamlio.load(schema_path)
    assert doc["paths"]["/health"]["get"]["x-sdk-route"] == "health"
    assert doc["info"]["version"] == "1.2.3"
    text = source_md.read_text(encoding="utf-8")
    assert url in text
    assert "chat.completions.create" in text  # recorded as absent from this source


def test_cli_vendor_records_provenance(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from codegen.__main__ import main

    source = tmp_path / "openapi.json"
    source.write_text(
        json.dumps({"openapi": "3.1.0", "info": {}, "paths": {}, "components": {"schemas": {}}}),
        encoding="utf-8",
    )
    out = tmp_path / "schema"
    assert main(["vendor", "--from", str(source), "--vllm-version", "0.0.1", "--out-dir", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    text = (out / "SOURCE.md").read_text(encoding="utf-8")
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    assert digest in text
    assert "- vLLM version: 0.0.1" in text
    assert "python -m codegen vendor --from " in text
    assert yamlio.load(out / "openapi.yaml")["info"]["version"] == "0.0.1"


def test_cli_reports_unreadable_sources(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from codegen.__main__ import main

    assert main(["vendor", "--from", str(tmp_path / "missing.json"), "--out-dir", str(tmp_path)]) == 2
    assert "cannot read" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main(["vendor", "--from", str(bad), "--out-dir", str(tmp_path)]) == 2
    assert "is not JSON" in capsys.readouterr().err
    assert not (tmp_path / "openapi.yaml").exists()


def test_dump_responses_finds_models_by_name_in_a_package(tmp_path: Path) -> None:
    """``dump-responses`` (run inside vLLM's environment) on a stand-in package with vLLM's layout."""
    import sys

    from codegen.__main__ import main

    pkg = tmp_path / "fakevllm_dump"
    (pkg / "entrypoints" / "chat").mkdir(parents=True)
    for init in (pkg, pkg / "entrypoints", pkg / "entrypoints" / "chat"):
        (init / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "entrypoints" / "chat" / "protocol.py").write_text(
        "from pydantic import BaseModel\n"
        "class UsageInfo(BaseModel):\n    prompt_tokens: int = 0\n"
        "class ChatCompletionResponse(BaseModel):\n    model: str\n    usage: UsageInfo\n",
        encoding="utf-8",
    )
    (pkg / "entrypoints" / "broken.py").write_text("import not_installed_dependency\n", encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        out = tmp_path / "responses.json"
        args = ["dump-responses", "--package", "fakevllm_dump.entrypoints", "--out", str(out)]
        assert main([*args, "--model", "ChatCompletionResponse"]) == 0
        dumped = json.loads(out.read_text(encoding="utf-8"))
        entry = dumped["models"]["ChatCompletionResponse"]
        assert entry["module"] == "fakevllm_dump.entrypoints.chat.protocol"
        assert "UsageInfo" in entry["schema"]["$defs"]
        doc: dict[str, Any] = {"components": {"schemas": {}}}
        merge_responses(doc, dumped)  # the vendor step accepts it
        assert sorted(doc["components"]["schemas"]) == ["ChatCompletionResponse", "UsageInfo"]
        assert main([*args, "--model", "NoSuchResponse"]) == 2
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.startswith("fakevllm_dump")]:
            del sys.modules[name]
