"""Structured decisions, ``/kv_event_sources`` and the elastic-EP routes against a real vLLM.

Every vLLM 0.32.0 API server registers ``/v1/systemone`` and ``/kv_event_sources``; a server with the
``generate`` task also registers the elastic-EP routes (``launchers/api_server/routers.py``). The tiny test
model is a ``Qwen2ForCausalLM``, for which vLLM has no read strategy, so ``/v1/systemone`` answers 501
(``generate/structured_decisions/api_router.py``). The harness starts no KV-event publisher, so
``/kv_event_sources`` is ``{}``; scaling to the current data-parallel size (1) is a no-op that succeeds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from vllm_sdk import BadRequestError, InternalServerError
from vllm_sdk.types import IsScalingElasticEpResponse, KvEventSourcesResponse, ScaleElasticEpResponse

if TYPE_CHECKING:
    from .real_support import ServerInfo

pytestmark = pytest.mark.real_vllm


def test_real_structured_decisions_unsupported_model(client: Any, main_server: ServerInfo) -> None:
    with pytest.raises(InternalServerError, match="does not support the structured decision API") as info:
        client.structured_decisions.create(
            model=main_server.model,
            state="The parcel came late.",
            questions={"late": {"type": "noul", "instructions": "Was it late?"}},
            max_retries=0,
        )
    assert info.value.status_code == 501


def test_real_kv_event_sources_without_publishers(client: Any) -> None:
    sources = client.kv_event_sources()
    assert isinstance(sources, KvEventSourcesResponse)
    assert len(sources) == 0


def test_real_elastic_ep_status_and_no_op_scale(client: Any) -> None:
    status = client.is_scaling_elastic_ep()
    assert isinstance(status, IsScalingElasticEpResponse)
    assert status.is_scaling_elastic_ep is False
    done = client.scale_elastic_ep(new_data_parallel_size=1, max_retries=0)
    assert isinstance(done, ScaleElasticEpResponse)
    assert done.message == "Scaled to 1 data parallel engines"
    with pytest.raises(BadRequestError, match="new_data_parallel_size must be a positive integer"):
        client.scale_elastic_ep(new_data_parallel_size=0, max_retries=0)
