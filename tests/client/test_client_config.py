"""``ClientConfig``, ``client.config``, ``from_config``, pickling both clients, balancing over replicas."""

from __future__ import annotations

import asyncio
import copy
import functools
import pickle
import socket
import time
from typing import TYPE_CHECKING

import httpx
import pytest

from vllm_sdk import AsyncVllmClient, ClientConfig, HttpError, VllmClient

pytest.importorskip("aiohttp")

from vllm_sdk.testing import MockVllmServer

if TYPE_CHECKING:
    from collections.abc import Iterator

MSGS = [{"role": "user", "content": "Hi"}]


def key_for(tenant: str) -> str:
    """A module-level key function: picklable."""
    return f"sk-{tenant}"


# ---------------------------------------------------------------- the config value


def test_config_is_frozen_hashable_and_normalised() -> None:
    cfg = ClientConfig(base_url="http://a:8000/v1/", api_key="k", timeout=3, headers={"X-A": "1"})
    assert cfg.base_url == "http://a:8000/v1"
    assert cfg.timeout == httpx.Timeout(3.0)
    with pytest.raises(AttributeError):
        cfg.max_retries = 5  # type: ignore[misc]
    same = ClientConfig(base_url="http://a:8000/v1", api_key="k", timeout=3.0, headers={"X-A": "1"})
    assert cfg == same
    assert hash(cfg) == hash(same)
    assert cfg.replace(max_retries=4).max_retries == 4
    assert cfg.base_urls == ("http://a:8000/v1",)
    # A one-element list is one URL; several are replicas.
    assert ClientConfig(base_url=["http://a/v1"]).base_url == "http://a/v1"
    assert ClientConfig(base_url=["http://a/v1", "http://b/v1/"]).base_urls == ("http://a/v1", "http://b/v1")


def test_config_repr_hides_the_key_and_secret_headers() -> None:
    cfg = ClientConfig(base_url="http://a/v1", api_key="sk-secret", headers={"Authorization": "Bearer x"})
    text = repr(cfg)
    assert "sk-secret" not in text
    assert "Bearer x" not in text


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"base_url": []}, TypeError),
        ({"base_url": ["http://a/v1", 3]}, TypeError),
        ({"api_key": 3}, TypeError),
        ({"max_retries": -1}, ValueError),
        ({"transport": "curl"}, ValueError),
        ({"eject_after": 0}, ValueError),
        ({"cooldown": -1}, ValueError),
        ({"headers": [("a", "b")]}, TypeError),
    ],
)
def test_config_rejects_bad_values(kwargs: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        ClientConfig(**kwargs)  # type: ignore[arg-type]


def test_config_pickles_and_copies() -> None:
    cfg = ClientConfig(
        base_url=["http://a/v1", "http://b/v1"],
        api_key=functools.partial(key_for, "t1"),
        timeout=None,
        max_retries=5,
        headers={"X-A": "1"},
        limits=httpx.Limits(max_connections=7),
        stream_idle_timeout=2.5,
        transport="httpx",
        eject_after=2,
        cooldown=1.5,
    )
    back = pickle.loads(pickle.dumps(cfg))
    assert back.base_urls == cfg.base_urls
    assert back.api_key() == "sk-t1"  # type: ignore[operator,misc]
    assert back.timeout == httpx.Timeout(None)
    assert (back.max_retries, back.headers, back.limits) == (5, {"X-A": "1"}, httpx.Limits(max_connections=7))
    assert (back.stream_idle_timeout, back.transport, back.eject_after, back.cooldown) == (
        2.5,
        "httpx",
        2,
        1.5,
    )
    assert copy.deepcopy(ClientConfig(base_url="http://a/v1")) == ClientConfig(base_url="http://a/v1")


def test_config_with_an_unpicklable_key_function_says_so() -> None:
    cfg = ClientConfig(api_key=lambda: "k")
    with pytest.raises(TypeError, match="api_key callable"):
        pickle.dumps(cfg)


# ---------------------------------------------------------------- clients from and to configs


def test_client_config_round_trip() -> None:
    with VllmClient(
        "http://a:1/v1", api_key="k", timeout=4, max_retries=6, headers={"X": "y"}, stream_idle_timeout=3
    ) as client:
        cfg = client.config
        assert cfg.base_url == "http://a:1/v1"
        assert cfg.timeout == httpx.Timeout(4.0)
        with VllmClient.from_config(cfg) as again:
            assert again.config == cfg
            assert (again.api_key, again.max_retries, again.headers) == ("k", 6, {"X": "y"})
            assert again.stream_idle_timeout == 3.0


def test_limits_query_and_stream_usage_travel_with_the_config() -> None:
    with VllmClient(
        "http://a:1/v1", max_response_size=1024, default_query={"v": "2"}, stream_usage=False
    ) as client:
        cfg = client.config
        assert (cfg.max_response_size, cfg.default_query, cfg.stream_usage) == (1024, {"v": "2"}, False)
        back = pickle.loads(pickle.dumps(client))
        try:
            assert back.config == cfg
            assert back._max_response_size == 1024
            assert back._default_query == {"v": "2"}
            assert back._stream_usage is False
        finally:
            back.close()
    with pytest.raises(ValueError, match="max_response_size"):
        ClientConfig(max_response_size=0)
    with pytest.raises(TypeError, match="stream_usage"):
        ClientConfig(stream_usage="no")  # type: ignore[arg-type]


def test_credentials_in_a_base_url_survive_the_config_and_pickling() -> None:
    # The client sends URL credentials as Basic auth and keeps them out of its URL; the config carries
    # them (its repr hides the password), so a pickled client authenticates the same way.
    with VllmClient(["http://u%40x:p%3Aw@a:1/v1", "http://u%40x:p%3Aw@b:2/v1"]) as client:
        assert client.base_urls == ("http://a:1/v1", "http://b:2/v1")
        auth = client._basic_auth
        assert auth is not None
        cfg = client.config
        assert "p%3Aw" not in repr(cfg)
        with VllmClient.from_config(cfg) as again:
            assert again.base_urls == client.base_urls
            assert again._basic_auth == auth
        back = pickle.loads(pickle.dumps(client))
        try:
            assert back._basic_auth == auth
        finally:
            back.close()
    with pytest.raises(ValueError, match="different credentials"):
        VllmClient(["http://u:p@a:1/v1", "http://v:q@b:2/v1"])


def test_config_fields_left_out_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VLLM_BASE_URL", "http://env:9/v1")
    monkeypatch.setenv("VLLM_MAX_RETRIES", "7")
    with VllmClient.from_config(ClientConfig()) as client:
        assert client.base_url == "http://env:9/v1"
        assert client.max_retries == 7


def test_from_config_rejects_other_values() -> None:
    with pytest.raises(TypeError, match="ClientConfig"):
        VllmClient.from_config({"base_url": "http://a/v1"})  # type: ignore[arg-type]


def test_sync_client_pickles_as_its_config_and_opens_its_own_pool() -> None:
    with VllmClient(["http://a:1/v1", "http://b:2/v1"], api_key="k", max_retries=4) as client:
        back = pickle.loads(pickle.dumps(client))
        try:
            assert isinstance(back, VllmClient)
            assert back.config == client.config
            assert back.base_urls == ("http://a:1/v1", "http://b:2/v1")
            assert back.http_client is not client.http_client
            assert not back.is_closed
        finally:
            back.close()


def test_async_client_pickles_with_its_transport() -> None:
    client = AsyncVllmClient("http://a:1/v1", transport="httpx", max_retries=1)
    back = pickle.loads(pickle.dumps(client))
    assert isinstance(back, AsyncVllmClient)
    assert back.config == client.config
    assert back.config.transport == "httpx"

    async def close_both() -> None:
        await client.close()
        await back.close()

    asyncio.run(close_both())


def test_a_derived_client_pickles_as_its_own_config() -> None:
    with VllmClient("http://a:1/v1") as client:
        derived = client.with_options(max_retries=9, headers={"X": "1"})
        back = pickle.loads(pickle.dumps(derived))
        try:
            assert back.max_retries == 9
            assert back.headers == {"X": "1"}
        finally:
            back.close()


def test_a_user_http_client_cannot_be_pickled() -> None:
    with httpx.Client() as http, VllmClient("http://a:1/v1", http_client=http) as client:
        assert client.config.base_url == "http://a:1/v1"  # the config itself is still available
        with pytest.raises(TypeError, match="user-supplied http_client"):
            pickle.dumps(client)


def test_event_hooks_cannot_be_pickled() -> None:
    with VllmClient("http://a:1/v1", event_hooks={"request": [print]}) as client:
        with pytest.raises(TypeError, match="event_hooks"):
            pickle.dumps(client)


def test_client_rejects_a_bad_transport() -> None:
    with pytest.raises(ValueError, match="transport"):
        AsyncVllmClient("http://a:1/v1", transport="curl")  # type: ignore[arg-type]


# ---------------------------------------------------------------- balancing over replicas


@pytest.fixture(scope="module")
def replicas() -> Iterator[tuple[MockVllmServer, MockVllmServer]]:
    with MockVllmServer() as a, MockVllmServer() as b:
        yield a, b


@pytest.fixture
def fresh(replicas: tuple[MockVllmServer, MockVllmServer]) -> tuple[MockVllmServer, MockVllmServer]:
    for server in replicas:
        server.reset()
    return replicas


def _dead_url() -> str:
    """A loopback URL where nothing listens (the port was bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def test_sync_client_spreads_requests_over_replicas(fresh: tuple[MockVllmServer, MockVllmServer]) -> None:
    a, b = fresh
    with VllmClient.from_config(ClientConfig(base_url=[a.base_url, b.base_url])) as client:
        for _ in range(6):
            client.chat.completions.create(model="mock", messages=MSGS, max_tokens=2)
        # Root routes follow the replica too.
        for _ in range(2):
            client.request("GET", "/health")
    assert len(a.requests) == 4
    assert len(b.requests) == 4


def test_async_client_balances_concurrent_requests(fresh: tuple[MockVllmServer, MockVllmServer]) -> None:
    a, b = fresh

    async def main() -> None:
        async with AsyncVllmClient([a.base_url, b.base_url]) as client:
            await asyncio.gather(
                *(
                    client.chat.completions.create(model="mock", messages=MSGS, max_tokens=2)
                    for _ in range(10)
                )
            )

    asyncio.run(main())
    assert len(a.requests) + len(b.requests) == 10
    assert a.requests
    assert b.requests


def test_a_dead_replica_is_ejected_and_requests_go_on(fresh: tuple[MockVllmServer, MockVllmServer]) -> None:
    a, _ = fresh
    cfg = ClientConfig(base_url=[_dead_url(), a.base_url], max_retries=2, cooldown=60.0)
    with VllmClient.from_config(cfg) as client:
        client._sleep = lambda seconds: None
        for _ in range(5):
            assert client.chat.completions.create(model="mock", messages=MSGS, max_tokens=2).content
        balancer = client._balancer
        assert balancer is not None
        dead, alive = balancer.replicas
        assert dead.failures == 1  # one failed attempt, then ejected for the cool-down
        assert dead.is_ejected(time.monotonic())
        assert alive.requests == 5
        assert all(r.outstanding == 0 for r in balancer.replicas)
    assert len(a.requests) == 5


def test_an_ejected_replica_comes_back_after_its_cooldown(
    fresh: tuple[MockVllmServer, MockVllmServer],
) -> None:
    a, b = fresh
    cfg = ClientConfig(base_url=[a.base_url, b.base_url], max_retries=3)
    with VllmClient.from_config(cfg) as client:
        client._sleep = lambda seconds: None
        balancer = client._balancer
        assert balancer is not None
        now = [0.0]
        balancer._clock = lambda: now[0]
        a.faults = "status=503:1"
        for _ in range(2):
            client.chat.completions.create(model="mock", messages=MSGS, max_tokens=2)
        first = balancer.replicas[0]
        assert first.ejected_until == 5.0  # the config's cool-down
        before = len(a.requests)
        for _ in range(3):
            client.chat.completions.create(model="mock", messages=MSGS, max_tokens=2)
        assert len(a.requests) == before  # ejected: nothing sent there
        now[0] = 6.0
        for _ in range(4):
            client.chat.completions.create(model="mock", messages=MSGS, max_tokens=2)
        assert len(a.requests) > before  # re-admitted


def test_every_replica_down_fails_with_the_transport_error() -> None:
    with VllmClient([_dead_url(), _dead_url()], max_retries=1) as client:
        client._sleep = lambda seconds: None
        with pytest.raises(HttpError):
            client.chat.completions.create(model="mock", messages=MSGS)
        balancer = client._balancer
        assert balancer is not None
        assert all(r.outstanding == 0 for r in balancer.replicas)


def test_streams_do_not_leak_outstanding_counts(
    fresh: tuple[MockVllmServer, MockVllmServer],
) -> None:
    a, b = fresh
    with VllmClient([a.base_url, b.base_url]) as client:
        client._sleep = lambda seconds: None
        a.faults = "status=503:1"  # the first stream's first attempt fails before its body
        for _ in range(3):
            with client.chat.completions.create(
                model="mock", messages=MSGS, max_tokens=3, stream=True
            ) as stream:
                assert list(stream)
        balancer = client._balancer
        assert balancer is not None
        assert [r.outstanding for r in balancer.replicas] == [0, 0]


def test_with_base_url_on_a_balanced_client_talks_to_one_server(
    fresh: tuple[MockVllmServer, MockVllmServer],
) -> None:
    a, b = fresh
    with VllmClient([a.base_url, b.base_url]) as client:
        only_b = client.with_base_url(b.base_url)
        assert only_b.base_urls == (b.base_url,)
        for _ in range(3):
            only_b.chat.completions.create(model="mock", messages=MSGS, max_tokens=2)
    assert len(b.requests) == 3
    assert not a.requests


def test_the_sync_batch_of_a_balanced_client_uses_every_replica(
    fresh: tuple[MockVllmServer, MockVllmServer],
) -> None:
    a, b = fresh
    with VllmClient([a.base_url, b.base_url]) as client:
        results = list(
            client.batch(
                ({"model": "mock", "messages": MSGS, "max_tokens": 2} for _ in range(8)), concurrency=4
            )
        )
    assert all(r.ok for r in results)
    assert {r.base_url for r in results} == {a.base_url, b.base_url}
