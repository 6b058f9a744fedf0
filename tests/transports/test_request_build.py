"""RequestFactory (``_transports/_request_build.py``): the SDK-owned client builds requests without httpx's
merge, and gets exactly what the merge gives."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
import pytest

from vllm_sdk import AsyncVllmClient, VllmClient
from vllm_sdk._options import RequestOptions
from vllm_sdk._transports._request_build import RequestFactory

if TYPE_CHECKING:
    from vllm_sdk.testing import MockVllmServer

CASES: list[dict[str, Any]] = [
    {"method": "POST", "url": "http://h:8000/v1/chat/completions", "content": b'{"a":1}', "stream": True},
    {"method": "POST", "url": "http://h:8000/v1/completions", "content": b"{}", "timeout": 3.5},
    {"method": "GET", "url": "http://h:8000/v1/models"},
    {"method": "GET", "url": "https://h/health", "timeout": None},
    # per-call headers: replace a default whatever its case, remove one (None), add a new one
    {
        "method": "POST",
        "url": "http://h/v1/chat/completions",
        "content": b"{}",
        "headers": {"accept-encoding": "identity", "AUTHORIZATION": None, "X-Trace": "t-1"},
    },
    {"method": "GET", "url": "http://h/v1/models", "headers": {"connection": "close", "user-agent": "me/1"}},
]


def _reference(client: VllmClient | AsyncVllmClient, opts: RequestOptions) -> httpx.Request:
    """What httpx's own build_request makes of the same call."""
    from vllm_sdk import _config

    return client._pool.http.build_request(
        opts.method,
        opts.url,
        content=opts.content,
        headers=client._build_headers(opts),
        params=dict(opts.params) if opts.params else None,
        timeout=_config.resolve_timeout(opts.timeout, client._timeout),
    )


def _same(fast: httpx.Request, ref: httpx.Request) -> None:
    assert fast.method == ref.method
    assert fast.url == ref.url
    assert fast.headers.raw == ref.headers.raw  # names' spelling and order included
    assert fast.content == ref.content
    assert fast.extensions == ref.extensions


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No VLLM_* variable of the developer's shell (custom headers, say) leaks into a client here."""
    for name in ("VLLM_BASE_URL", "VLLM_API_KEY", "VLLM_TIMEOUT", "VLLM_MAX_RETRIES", "VLLM_CUSTOM_HEADERS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(params=["sync", "async"])
def client(request: pytest.FixtureRequest) -> Any:
    cls = VllmClient if request.param == "sync" else AsyncVllmClient
    return cls("http://h:8000/v1", api_key="sk-test", timeout=20.0, headers={"X-Team": "a"})


@pytest.mark.parametrize("case", CASES)
def test_fast_path_equals_build_request(client: VllmClient | AsyncVllmClient, case: dict[str, Any]) -> None:
    opts = RequestOptions(**case)
    factory = client._pool.requests
    assert factory is not None
    assert factory.applies(opts.url, opts.params)
    _same(client._build_request(opts), _reference(client, opts))


def test_query_parameters_cookies_and_relative_urls_take_httpx_s_path(
    client: VllmClient | AsyncVllmClient,
) -> None:
    factory = client._pool.requests
    assert factory is not None
    with_params = RequestOptions("GET", "http://h:8000/v1/models", params={"a": "1"})
    assert not factory.applies(with_params.url, with_params.params)
    request = client._build_request(with_params)
    assert request.url.params["a"] == "1"
    assert not factory.applies("/v1/models", None)

    client._pool.http.cookies.set("session", "s1")  # as a server's Set-Cookie would
    opts = RequestOptions("POST", "http://h:8000/v1/completions", content=b"{}")
    assert not factory.applies(opts.url, None)
    assert client._build_request(opts).headers["cookie"] == "session=s1"


def test_a_user_supplied_http_client_is_never_bypassed() -> None:
    http = httpx.Client(headers={"X-From-User": "1"}, params={"tenant": "t"})
    try:
        client = VllmClient("http://h:8000/v1", http_client=http)
        assert client._pool.requests is None
        request = client._build_request(RequestOptions("GET", "http://h:8000/v1/models"))
        assert request.headers["x-from-user"] == "1"
        assert request.url.params["tenant"] == "t"
    finally:
        http.close()


def test_non_ascii_header_values_fail_as_in_httpx() -> None:
    factory = RequestFactory(httpx.Client())
    timeout = httpx.Timeout(1.0)
    with pytest.raises(UnicodeEncodeError):
        factory.build("GET", "http://h/v1/models", content=None, headers={"X-Name": "é"}, timeout=timeout)
    with pytest.raises(UnicodeEncodeError):
        httpx.Client().build_request("GET", "http://h/v1/models", headers={"X-Name": "é"})


def test_url_cache_is_bounded() -> None:
    factory = RequestFactory(httpx.Client())
    for i in range(2000):
        assert factory.applies(f"http://h/v1/x{i}", None)
    assert len(factory._urls) <= 512


def test_requests_over_the_wire_still_work(vllm_mock_server: MockVllmServer) -> None:
    """End to end through the fast path: headers, body and route as the mock server records them."""
    with VllmClient(vllm_mock_server.base_url, api_key="sk-1", headers={"X-Team": "a"}) as client:
        reply = client.chat.completions.create(
            model="mock", messages=[{"role": "user", "content": "hi"}], max_tokens=2
        )
        assert reply.content
        recorded = vllm_mock_server.requests[-1]
    assert recorded.headers["authorization"] == "Bearer sk-1"
    assert recorded.headers["x-team"] == "a"
    assert recorded.headers["content-type"] == "application/json"
    assert recorded.json["max_tokens"] == 2
