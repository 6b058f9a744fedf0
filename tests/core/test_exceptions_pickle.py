"""Every exception pickles and copies with all its fields, also across a process pool (issue 16 item 10)."""

from __future__ import annotations

import copy
import inspect
import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import httpx
import pytest

import vllm_sdk
import vllm_sdk.batch
import vllm_sdk.testing
from vllm_sdk import RateLimitError, VllmClient, VllmError
from vllm_sdk.testing import MockVllmServer

# A value for every constructor parameter an exception of ours may take: none of them the default, so a
# field lost on the way back cannot pass by coincidence.
SAMPLES: dict[str, Any] = {
    "message": "it went wrong",
    "status_code": 418,
    "error_type": "TeapotError",
    "param": "body.max_tokens",
    "code": 418,
    "body": {"error": {"message": "it went wrong", "nested": [1, 2.5, None]}},
    "request_id": "req-7",
    "headers": {"retry-after": "3", "x-request-id": "req-7"},
    "model": "no-such-model",
    "partial_content": "Hello, wor",
    "partial": {"id": "chatcmpl-1", "choices": []},
    "text": "<html>login</html>",
    "parameter": "messages",
    "variable": "VLLM_SDK_TRANSPORT",
    "value": "curl",
    "allowed": ("httpx", "aiohttp"),
}


def _exception_classes() -> list[type[VllmError]]:
    """Every VllmError subclass the package defines (the exported ones, and the ones modules raise)."""
    found: set[type[VllmError]] = set()
    pending: list[type[VllmError]] = [VllmError]
    while pending:
        cls = pending.pop()
        if cls.__module__.startswith("vllm_sdk"):
            found.add(cls)
        pending.extend(cls.__subclasses__())
    return sorted(found, key=lambda c: c.__qualname__)


def _instance(cls: type[VllmError]) -> VllmError:
    """``cls`` built with a sample for every parameter of its constructor."""
    kwargs: dict[str, Any] = {}
    args: list[Any] = []
    for name, parameter in inspect.signature(cls).parameters.items():
        if parameter.kind in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL):
            continue
        if name not in SAMPLES:
            if parameter.default is parameter.empty:
                pytest.fail(f"{cls.__name__}({name}=...): add a sample for {name!r} to SAMPLES")
            continue
        if parameter.kind is parameter.KEYWORD_ONLY:
            kwargs[name] = SAMPLES[name]
        else:
            args.append(SAMPLES[name])
    # ModelNotFoundError takes ApiError's fields through **kwargs.
    if issubclass(cls, vllm_sdk.ApiError) and "status_code" not in kwargs:
        kwargs.update({k: SAMPLES[k] for k in ("status_code", "error_type", "param", "code", "body")})
        kwargs.update({k: SAMPLES[k] for k in ("request_id", "headers")})
    exc = cls(*args, **kwargs)
    exc.add_note("a note added by a caller")
    return exc


def _fields(exc: BaseException) -> dict[str, Any]:
    return {**vars(exc), "type": type(exc), "args": exc.args, "str": str(exc), "repr": repr(exc)}


def test_the_walk_covers_every_exported_exception() -> None:
    classes = set(_exception_classes())
    exported = {
        getattr(module, name)
        for module in (vllm_sdk, vllm_sdk.batch)
        for name in module.__all__
        if isinstance(getattr(module, name), type) and issubclass(getattr(module, name), BaseException)
    }
    assert exported - classes == set()
    assert {vllm_sdk.ApiError, vllm_sdk.ModelNotFoundError, vllm_sdk.StreamError} <= classes


@pytest.mark.parametrize("cls", _exception_classes(), ids=lambda c: c.__name__)
@pytest.mark.parametrize(
    "round_trip",
    [
        pytest.param(lambda e: pickle.loads(pickle.dumps(e)), id="pickle"),
        pytest.param(lambda e: pickle.loads(pickle.dumps(e, protocol=2)), id="pickle-2"),
        pytest.param(copy.copy, id="copy"),
        pytest.param(copy.deepcopy, id="deepcopy"),
    ],
)
def test_every_exception_round_trips_with_its_fields(cls: type[VllmError], round_trip: Any) -> None:
    original = _instance(cls)
    before = _fields(original)
    clone = round_trip(original)
    assert clone is not original
    assert _fields(clone) == before
    assert clone.__notes__ == ["a note added by a caller"]
    assert clone.is_retryable == original.is_retryable
    assert _fields(original) == before  # the original is untouched


def test_deepcopy_does_not_share_mutable_fields() -> None:
    original = _instance(vllm_sdk.BadRequestError)
    clone = copy.deepcopy(original)
    assert clone.body == original.body
    assert clone.body is not original.body
    assert isinstance(clone.headers, httpx.Headers)
    assert clone.headers is not original.headers


def test_the_mock_fault_error_type_is_kept_across_pickle() -> None:
    # The fault spec error of the mock is a ValueError of the testing package, not ours; it pickles too.
    exc = vllm_sdk.testing.FaultSpecError("bad fault 'x'")
    assert str(pickle.loads(pickle.dumps(exc))) == "bad fault 'x'"


def _chat_in_worker(base_url: str) -> str:
    """Runs in a pool worker: one request that the server answers 429, with retries off."""
    with VllmClient(base_url=base_url, api_key="k", max_retries=0) as client:
        client.chat.completions.create(model="mock", messages=[{"role": "user", "content": "hi"}])
    return "no error"


def test_a_429_raised_in_a_process_pool_worker_comes_back_typed() -> None:
    with MockVllmServer(faults="rate_limit", model="mock") as server:
        # spawn, not fork: the mock server's threads run in this process.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            future = pool.submit(_chat_in_worker, server.base_url)
            with pytest.raises(RateLimitError) as caught:
                future.result(timeout=90)
            # the pool survives the error and serves the next task
            assert pool.submit(len, "abc").result(timeout=90) == 3
    exc = caught.value
    assert exc.status_code == 429
    assert exc.is_retryable
    assert exc.error_type is not None
    assert "retry-after" in exc.headers
    assert isinstance(exc.body, dict)
