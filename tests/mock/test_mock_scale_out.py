"""The mock's ``enable_scale_out`` option: by default the render routes render (as vLLM started with
``--enable-scale-out``); ``enable_scale_out=False`` (CLI ``--no-enable-scale-out``, the ``vllm_mock``
marker) answers all four with vLLM 0.32.0's 403 ``PermissionDeniedError``, byte for byte the body of
transcripts A50 / A51, before looking at the request - and only them."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from reference_data import transcript
from vllm_sdk import AsyncVllmClient, PermissionDeniedError, VllmClient
from vllm_sdk.testing import MockVllmServer
from vllm_sdk.testing.__main__ import build_parser

if TYPE_CHECKING:
    from collections.abc import Iterator

RENDER_PATHS = (
    "/v1/chat/completions/render",
    "/v1/completions/render",
    "/v1/messages/render",
    "/v1/responses/render",
)
HELLO: list[Any] = [{"role": "user", "content": "Hello"}]


def _transcript_body(name: str) -> bytes:
    raw = transcript(f"{name}.http").read_bytes()
    return raw.replace(b"\r\n", b"\n").partition(b"\n\n")[2]


@pytest.fixture(scope="module")
def no_scale_out() -> Iterator[MockVllmServer]:
    with MockVllmServer(enable_scale_out=False) as srv:
        yield srv


@pytest.mark.parametrize("path", RENDER_PATHS)
@pytest.mark.parametrize("body", [b'{"model": "mock", "prompt": "Hi"}', b"not json", b'{"model": "nope"}'])
def test_render_routes_answer_vllms_403_whatever_the_body(
    no_scale_out: MockVllmServer, path: str, body: bytes
) -> None:
    resp = httpx.post(no_scale_out.url + path, content=body, headers={"content-type": "application/json"})
    assert resp.status_code == 403
    assert resp.headers["content-type"] == "application/json"
    assert resp.content == _transcript_body("A50_chat_render") == _transcript_body("A51_completions_render")


def test_the_sdk_raises_permission_denied_on_every_render_route(no_scale_out: MockVllmServer) -> None:
    assert no_scale_out.enable_scale_out is False
    with VllmClient(no_scale_out.base_url, max_retries=0) as client:
        calls = [
            lambda: client.chat.completions.render(model="mock", messages=HELLO),
            lambda: client.completions.render(model="mock", prompt="Hello"),
            lambda: client.messages.render(model="mock", messages=HELLO, max_tokens=8),
            lambda: client.responses.render(model="mock", input="Hello"),
        ]
        for call in calls:
            with pytest.raises(PermissionDeniedError, match="--enable-scale-out") as info:
                call()
            assert info.value.status_code == 403
            assert info.value.error_type == "PermissionDeniedError"
        # Everything else is served as usual.
        assert client.chat.completions.create(model="mock", messages=HELLO, max_tokens=4).content
        assert client.tokenize(model="mock", prompt="Hello").tokens


def test_async_render_is_permission_denied_too(no_scale_out: MockVllmServer) -> None:
    async def main() -> None:
        async with AsyncVllmClient(no_scale_out.base_url, max_retries=0) as client:
            with pytest.raises(PermissionDeniedError):
                await client.completions.render(model="mock", prompt="Hello")

    asyncio.run(main())


def test_by_default_the_render_routes_render() -> None:
    with MockVllmServer() as srv, VllmClient(srv.base_url, max_retries=0) as client:
        assert srv.enable_scale_out is True
        rendered = client.chat.completions.render(model=srv.model, messages=HELLO)
        assert rendered.token_ids
        assert client.responses.render(model=srv.model, input="Hello").token_ids


def test_the_command_line_flag() -> None:
    parser = build_parser()
    assert parser.parse_args([]).enable_scale_out is True
    assert parser.parse_args(["--no-enable-scale-out"]).enable_scale_out is False
    assert parser.parse_args(["--enable-scale-out"]).enable_scale_out is True
    assert "--no-enable-scale-out" in parser.format_help()


@pytest.mark.vllm_mock(enable_scale_out=False)
def test_the_marker_passes_the_option_to_the_fixture(vllm_mock_server: MockVllmServer) -> None:
    resp = httpx.post(vllm_mock_server.base_url + "/chat/completions/render", json={"model": "mock"})
    assert resp.status_code == 403


@pytest.mark.parametrize(("argv", "enabled"), [([], True), (["--no-enable-scale-out"], False)])
def test_the_command_builds_the_server_with_the_flag(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], enabled: bool
) -> None:
    from vllm_sdk.testing import __main__ as command

    built: list[MockVllmServer] = []

    async def serve(server: MockVllmServer) -> None:  # instead of serving until interrupted
        built.append(server)

    monkeypatch.setattr(command, "_serve", serve)
    assert command.main(["--port", "0", *argv]) == 0
    assert [server.enable_scale_out for server in built] == [enabled]
