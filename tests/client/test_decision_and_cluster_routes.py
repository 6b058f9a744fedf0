"""Structured decisions (``/v1/systemone``), ``/kv_event_sources`` and the elastic-EP routes on both clients:
what is sent, the response types, raw views, builders and the error statuses (end to end against the mock
server, whose shapes follow vLLM 0.32.0's ``generate/structured_decisions``, ``serve/instrumentator`` and
``serve/elastic_ep``)."""

from __future__ import annotations

import asyncio
import json
import math
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from vllm_sdk import (
    AsyncVllmClient,
    BadRequestError,
    InternalServerError,
    MissingParameterError,
    ModelNotFoundError,
    VllmClient,
)
from vllm_sdk.resources._generated_builders import ScaleElasticEpBuilder, StructuredDecisionsCreateBuilder
from vllm_sdk.testing import MockVllmServer
from vllm_sdk.types import (
    IsScalingElasticEpResponse,
    KvEventSourcesResponse,
    ScaleElasticEpResponse,
    StructuredDecisionResponse,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

QUESTIONS: dict[str, Any] = {
    "sentiment": {
        "type": "choice",
        "instructions": "How does the customer feel?",
        "criteria": {"happy": "pleased", "angry": None, "neutral": "neither"},
    },
    "refund": {"type": "noul", "instructions": "Does the customer ask for a refund?"},
    "urgency": {"type": "score", "criteria": ["low", "medium", "high"]},
}
STATE = "The parcel came two weeks late and broken. I want my money back."


@pytest.fixture(scope="module")
def server() -> Iterator[MockVllmServer]:
    with MockVllmServer() as srv:
        yield srv


@pytest.fixture
def client(server: MockVllmServer) -> Iterator[VllmClient]:
    with VllmClient(server.base_url, max_retries=0) as c:
        yield c


# ------------------------------------------------------------------------------ structured decisions


def test_structured_decision_answers_every_question_type(server: MockVllmServer, client: VllmClient) -> None:
    resp = client.structured_decisions.create(model=server.model, state=STATE, questions=QUESTIONS)
    sent = server.requests[-1]
    assert (sent.method, sent.path) == ("POST", "/v1/systemone")
    assert json.loads(sent.body) == {"model": server.model, "state": STATE, "questions": QUESTIONS}
    assert isinstance(resp, StructuredDecisionResponse)
    assert resp.object == "structured_decision"
    assert resp.id.startswith("decision-")
    assert resp.model == server.model
    assert list(resp.answers) == ["sentiment", "refund", "urgency"]  # request order

    choice = resp.answers["sentiment"]
    assert choice["type"] == "choice"
    assert set(choice["probabilities"]) == {"happy", "angry", "neutral"}
    assert math.isclose(sum(choice["probabilities"].values()), 1.0)
    assert choice["choice"] == max(choice["probabilities"], key=choice["probabilities"].get)
    noul = resp.answers["refund"]
    assert noul["noul"] == noul["probabilities"]["yes"]
    assert math.isclose(noul["probabilities"]["yes"] + noul["probabilities"]["no"], 1.0)
    score = resp.answers["urgency"]
    assert score["legend"] == {"0": "low", "1": "medium", "2": "high"}
    assert math.isclose(score["score"], sum(int(k) * p for k, p in score["probabilities"].items()))

    assert set(resp.diagnostics) == set(QUESTIONS)
    for qid, diag in resp.diagnostics.items():
        assert 0.0 < diag.label_mass <= 1.0
        assert resp.answers[qid]["confidence"] <= diag.label_mass
    assert resp.usage.output_tokens == 3  # one read token per question
    assert resp.usage.input_tokens > 0


def test_structured_decision_is_deterministic_and_takes_a_json_state(client: VllmClient) -> None:
    state = {"order": 1234, "late_days": 14, "damaged": True}
    first = client.structured_decisions.create(state=state, questions=QUESTIONS)
    again = client.structured_decisions.create(state=state, questions=QUESTIONS)
    assert first.answers == again.answers
    assert first.id != again.id


def test_structured_decision_request_id_header(client: VllmClient) -> None:
    resp = client.structured_decisions.create(
        state="x", questions=QUESTIONS, extra_headers={"X-Request-Id": "abc"}
    )
    assert resp.id == "decision-abc"


@pytest.mark.parametrize(
    ("questions", "extra", "message"),
    [
        ({}, {}, "questions: needs at least one question"),
        ({"q": {"type": "vote"}}, {}, "unknown question type 'vote'"),
        ({"q": {"type": "choice", "criteria": []}}, {}, "choice criteria must map option names"),
        ({"q": {"type": "noul", "criteria": {"maybe": "?"}}}, {}, "noul criteria must be an object"),
        ({"q": {"type": "score", "criteria": ["only"]}}, {}, "score criteria must be an ordered list"),
        ({"q": {"type": "score", "criteria": [str(i) for i in range(11)]}}, {}, "at most 10 options"),
        ({"q": {"type": "noul", "weight": 2}}, {}, "unknown field(s) ['weight']"),
        ({f"q{i}": {"type": "noul"} for i in range(65)}, {}, "questions: at most 64"),
        ({"q": {"type": "noul"}}, {"images": ["https://x/y.png"]}, "does not take image inputs"),
        (
            {"q": {"type": "noul"}},
            {"chat_template_kwargs": {"enable_thinking": True}},
            "so thinking must be off",
        ),
    ],
)
def test_structured_decision_rejects_bad_questions(
    client: VllmClient, questions: dict[str, Any], extra: dict[str, Any], message: str
) -> None:
    with pytest.raises(BadRequestError) as info:
        client.structured_decisions.create(state="s", questions=questions, **extra)
    assert message in str(info.value)
    assert info.value.status_code == 400


def test_structured_decision_required_fields_and_model(client: VllmClient) -> None:
    with pytest.raises(MissingParameterError, match="questions"):
        client.structured_decisions.create(state="s")  # type: ignore[call-arg]
    with pytest.raises(ModelNotFoundError):
        client.structured_decisions.create(model="nope", state="s", questions=QUESTIONS)


def test_structured_decision_raw_and_builder(server: MockVllmServer, client: VllmClient) -> None:
    raw = client.structured_decisions.with_raw_response.create(state="s", questions=QUESTIONS)
    assert raw.status_code == 200
    assert isinstance(raw.parse(), StructuredDecisionResponse)
    via_client = client.with_raw_response.structured_decisions.create(state="s", questions=QUESTIONS)
    assert via_client.parse().answers.keys() == QUESTIONS.keys()
    built = StructuredDecisionsCreateBuilder(client._requester).state("s").questions(QUESTIONS).send()
    assert isinstance(built, StructuredDecisionResponse)
    assert json.loads(server.requests[-1].body) == {"state": "s", "questions": QUESTIONS}


# ------------------------------------------------------------------------- kv events and elastic EP


def test_kv_event_sources_is_empty_without_publishers(server: MockVllmServer, client: VllmClient) -> None:
    sources = client.kv_event_sources()
    assert (server.requests[-1].method, server.requests[-1].path) == ("GET", "/kv_event_sources")
    assert isinstance(sources, KvEventSourcesResponse)
    assert len(sources) == 0
    assert list(sources) == []
    assert bool(sources)  # a response that arrived


def test_kv_event_sources_keys_are_ranks() -> None:
    body = {
        "0": {"enable_kv_cache_events": True, "publisher": "zmq", "endpoint": "tcp://*:5557", "topic": "kv"}
    }
    sources = KvEventSourcesResponse.model_validate(body)
    assert list(sources) == [0]
    assert 0 in sources
    assert sources[0].publisher == "zmq"
    assert [(rank, cfg.topic) for rank, cfg in sources.items()] == [(0, "kv")]
    assert sources[0].buffer_steps == 10000  # KVEventsConfig's default when the server leaves it out


def test_scale_elastic_ep(server: MockVllmServer, client: VllmClient) -> None:
    done = client.scale_elastic_ep(new_data_parallel_size=1, drain_timeout=30)
    assert isinstance(done, ScaleElasticEpResponse)
    assert done.message == "Scaled to 1 data parallel engines"
    assert json.loads(server.requests[-1].body) == {"new_data_parallel_size": 1, "drain_timeout": 30}
    assert (
        ScaleElasticEpBuilder(client._requester).new_data_parallel_size(1).send().message.startswith("Scaled")
    )
    status = client.is_scaling_elastic_ep()
    assert isinstance(status, IsScalingElasticEpResponse)
    assert status.is_scaling_elastic_ep is False
    assert (server.requests[-1].method, server.requests[-1].path) == ("POST", "/is_scaling_elastic_ep")


def test_scale_elastic_ep_errors(client: VllmClient) -> None:
    with pytest.raises(MissingParameterError, match="new_data_parallel_size"):
        client.scale_elastic_ep()  # type: ignore[call-arg]
    with pytest.raises(BadRequestError, match="new_data_parallel_size must be a positive integer"):
        client.scale_elastic_ep(new_data_parallel_size=0)
    with pytest.raises(BadRequestError, match="drain_timeout must be a positive integer") as info:
        client.scale_elastic_ep(new_data_parallel_size=1, drain_timeout=-5)
    assert info.value.error_type == "Bad Request"  # FastAPI's HTTPException: the status phrase is the type
    with pytest.raises(InternalServerError, match="Scale failed"):  # not an elastic-EP deployment
        client.scale_elastic_ep(new_data_parallel_size=2)


def test_a_failed_scale_is_not_sent_again_unless_the_call_asks(server: MockVllmServer) -> None:
    # A 500 after a scale began is retryable by the client's rule, but sending it again would scale again:
    # the route opts out of the client's max_retries; a call that passes max_retries still retries.
    def scales() -> int:
        return sum(1 for request in server.requests if request.path == "/scale_elastic_ep")

    with VllmClient(server.base_url, max_retries=2) as c:
        before = scales()
        with pytest.raises(InternalServerError, match="Scale failed"):
            c.scale_elastic_ep(new_data_parallel_size=2)
        assert scales() - before == 1
        with pytest.raises(InternalServerError):
            c.scale_elastic_ep(new_data_parallel_size=2, max_retries=1)
        assert scales() - before == 3
        with pytest.raises(InternalServerError):  # the builder takes the same route options
            ScaleElasticEpBuilder(c._requester).new_data_parallel_size(2).send()
        assert scales() - before == 4


async def test_a_failed_scale_is_not_sent_again_on_the_async_client(server: MockVllmServer) -> None:
    async with AsyncVllmClient(server.base_url, max_retries=2) as c:
        before = sum(1 for request in server.requests if request.path == "/scale_elastic_ep")
        with pytest.raises(InternalServerError):
            await c.scale_elastic_ep(new_data_parallel_size=2)
        after = sum(1 for request in server.requests if request.path == "/scale_elastic_ep")
    assert after - before == 1


def test_cluster_routes_raw(client: VllmClient) -> None:
    raw = client.with_raw_response.kv_event_sources()
    assert raw.status_code == 200
    assert isinstance(raw.parse(), KvEventSourcesResponse)
    assert client.with_raw_response.is_scaling_elastic_ep().parse().is_scaling_elastic_ep is False
    with client.with_streaming_response.scale_elastic_ep(new_data_parallel_size=1) as streamed:
        assert streamed.parse().message == "Scaled to 1 data parallel engines"


def test_every_new_route_on_the_async_client(server: MockVllmServer) -> None:
    async def main() -> None:
        async with AsyncVllmClient(server.base_url, max_retries=0) as c:
            decision = await c.structured_decisions.create(state=STATE, questions=QUESTIONS)
            assert isinstance(decision, StructuredDecisionResponse)
            raw = await c.structured_decisions.with_raw_response.create(state=STATE, questions=QUESTIONS)
            assert (await raw.parse()).answers == decision.answers
            with pytest.raises(BadRequestError):
                await c.structured_decisions.create(state="s", questions={})
            assert len(await c.kv_event_sources()) == 0
            assert (await c.is_scaling_elastic_ep()).is_scaling_elastic_ep is False
            scaled = await c.scale_elastic_ep(new_data_parallel_size=1)
            assert scaled.message == "Scaled to 1 data parallel engines"
            with pytest.raises(InternalServerError):
                await c.scale_elastic_ep(new_data_parallel_size=4)

    asyncio.run(main())


@pytest.mark.parametrize(
    ("questions", "message"),
    [
        ([{"type": "noul"}], "Input should be a valid dictionary"),
        ({"q": "noul"}, "instance of QuestionSpec"),
        ({"q": {"criteria": None}}, "Field required"),
        ({"q": {"type": 3}}, "Input should be a valid string"),
    ],
)
def test_structured_decision_body_validation_comes_before_the_model_check(
    client: VllmClient, questions: Any, message: str
) -> None:
    # FastAPI validates the body against StructuredDecisionRequest before the handler looks at the model.
    with pytest.raises(BadRequestError, match=message) as info:
        client.structured_decisions.create(model="nope", state="s", questions=questions)
    assert info.value.error_type == "Bad Request"


# What a real vLLM 0.32.0 (CPU build, tiny model) answered to the same raw requests, byte for byte.
_REAL_SCALE_ANSWERS = [
    (
        b"{bad",
        "application/json",
        400,
        b'{"error":{"message":"Invalid JSON format","type":"Bad Request","param":null,"code":400}}',
    ),
    (
        b"[1]",
        "application/json",
        500,
        b'{"error":{"message":"\'list\' object has no attribute \'get\'","type":"InternalServerError",'
        b'"param":null,"code":500}}',
    ),
    (
        b"{}",
        None,
        400,
        b'{"error":{"message":"1 validation error:\\n  Unsupported Media Type: Only \'application/json\' is '
        b'allowed","type":"Bad Request","param":null,"code":400}}',
    ),
    (
        b'{"new_data_parallel_size": 2}',
        "application/json",
        500,
        b'{"error":{"message":"Scale failed","type":"Internal Server Error","param":null,"code":500}}',
    ),
]


@pytest.mark.parametrize(("body", "content_type", "status", "answer"), _REAL_SCALE_ANSWERS)
def test_mock_scale_elastic_ep_answers_like_vllm(
    server: MockVllmServer, body: bytes, content_type: str | None, status: int, answer: bytes
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    resp = httpx.post(f"{server.url}/scale_elastic_ep", content=body, headers=headers)
    assert (resp.status_code, resp.content) == (status, answer)
