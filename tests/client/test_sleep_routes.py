"""Sleep mode (``sleep`` / ``wake_up`` / ``is_sleeping``, query parameters only) on both clients, end to end
against the mock server: the URL query sent, the response types, the error statuses, the route builders."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from vllm_sdk import AsyncVllmClient, BadRequestError, VllmClient
from vllm_sdk.resources._generated_builders import AsyncSleepBuilder, SleepBuilder, WakeUpBuilder
from vllm_sdk.testing import MockVllmServer
from vllm_sdk.types import IsSleepingResponse, SleepResponse, WakeUpResponse

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def server() -> Iterator[MockVllmServer]:
    # one server per test: sleeping is server state
    with MockVllmServer() as srv:
        yield srv


@pytest.fixture
def client(server: MockVllmServer) -> Iterator[VllmClient]:
    with VllmClient(server.base_url, max_retries=0) as c:
        yield c


def test_sleep_wake_up_round_trip(server: MockVllmServer, client: VllmClient) -> None:
    state = client.is_sleeping()
    assert isinstance(state, IsSleepingResponse)
    assert state.is_sleeping is False
    slept = client.sleep(level=2, mode="wait")
    assert isinstance(slept, SleepResponse)
    assert (slept.status, slept.level) == ("sleeping", 2)
    sent = server.requests[-1]
    assert (sent.method, sent.path, dict(sent.query), sent.body) == (
        "POST",
        "/sleep",
        {"level": "2", "mode": "wait"},
        b"",
    )
    assert client.is_sleeping().is_sleeping is True
    # waking some tags leaves the engine sleeping until every tag is awake
    partly = client.wake_up(tags=["weights"])
    assert isinstance(partly, WakeUpResponse)
    assert (partly.status, partly.tags) == ("sleeping", ["weights"])
    assert client.is_sleeping().is_sleeping is True
    awake = client.wake_up()
    assert (awake.status, awake.tags) == ("awake", None)
    assert dict(server.requests[-1].query) == {}  # nothing given, nothing sent: the server's default
    assert client.is_sleeping().is_sleeping is False


def test_defaults_are_left_to_the_server(server: MockVllmServer, client: VllmClient) -> None:
    slept = client.sleep()
    assert slept.level == 1  # vLLM's default level
    assert dict(server.requests[-1].query) == {}


def test_repeated_tags_and_extra_query(server: MockVllmServer, client: VllmClient) -> None:
    client.sleep(level=1)
    answer = client.wake_up(tags=("weights", "kv_cache"))
    assert answer.tags == ["weights", "kv_cache"]  # sent as ?tags=weights&tags=kv_cache
    assert answer.status == "awake"
    # extra_query wins over a typed query parameter, as for every per-call override
    client.sleep(level=1, extra_query={"level": 2})
    assert dict(server.requests[-1].query) == {"level": "2"}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"level": 3}, "less than or equal to 2"),
        ({"level": -1}, "greater than or equal to 0"),
        ({"mode": "later"}, "'abort', 'wait' or 'keep'"),
    ],
)
def test_invalid_query_values_are_bad_requests(
    client: VllmClient, kwargs: dict[str, object], match: str
) -> None:
    with pytest.raises(BadRequestError, match=match) as info:
        client.sleep(**kwargs)  # type: ignore[arg-type]
    assert info.value.status_code == 400
    assert client.is_sleeping().is_sleeping is False


def test_raw_responses(client: VllmClient) -> None:
    raw = client.with_raw_response.sleep(level=1)
    assert raw.status_code == 200
    parsed = raw.parse()
    assert isinstance(parsed, SleepResponse)
    assert parsed.level == 1
    assert client.with_raw_response.is_sleeping().parse().is_sleeping is True


def test_route_builders_fill_the_query(server: MockVllmServer, client: VllmClient) -> None:
    base = SleepBuilder(client._requester).mode("keep")
    deeper = base.level(2)
    assert deeper is not base
    assert deeper.send().level == 2
    assert dict(server.requests[-1].query) == {"mode": "keep", "level": "2"}
    assert base.send().level == 1  # copy-on-write: base was left as it was
    assert dict(server.requests[-1].query) == {"mode": "keep"}
    assert WakeUpBuilder(client._requester).tags(["weights", "kv_cache"]).send().status == "awake"


def test_sleep_routes_on_the_async_client(server: MockVllmServer) -> None:
    async def main() -> None:
        async with AsyncVllmClient(server.base_url, max_retries=0) as c:
            assert (await c.is_sleeping()).is_sleeping is False
            slept = await c.sleep(level=1, mode="abort")
            assert isinstance(slept, SleepResponse)
            assert dict(server.requests[-1].query) == {"level": "1", "mode": "abort"}
            assert (await c.is_sleeping()).is_sleeping is True
            with pytest.raises(BadRequestError):
                await c.sleep(level=9)
            woke = await c.wake_up(tags=["weights", "kv_cache"])
            assert woke.status == "awake"
            assert (await AsyncSleepBuilder(c._requester).level(2).send()).level == 2
            raw = await c.with_raw_response.wake_up()
            assert (await raw.parse()).status == "awake"

    asyncio.run(main())
