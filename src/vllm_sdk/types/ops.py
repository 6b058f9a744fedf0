"""What ``GET /kv_event_sources`` answers: the KV-event publisher of each engine, keyed by data-parallel rank.

vLLM returns ``EngineCoreClient.get_kv_event_sources()`` (``dict[int, KVEventsConfig]``; JSON turns the ranks
into strings), listing only engines that publish KV events: ``{}`` on a server started without
``--kv-events-config`` and on a render-only server. :class:`KvEventSourcesResponse` gives the ranks back as
integers::

    sources = client.kv_event_sources()
    for rank, config in sources.items():
        print(rank, config.publisher, config.endpoint, config.topic)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import RootModel

from ._generated import KVEventsConfig

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["KvEventSourcesResponse"]


class KvEventSourcesResponse(RootModel[dict[str, KVEventsConfig]]):
    """``GET /kv_event_sources``: data-parallel rank -> :class:`~vllm_sdk.types.KVEventsConfig`.

    Index it with a rank (``sources[0]``), iterate its ranks (integers), ``items()`` for (rank, config)
    pairs, ``len()`` for the number of publishing engines; ``.root`` is the JSON object itself. It stays
    truthy when empty (it is a response that arrived, not a container to test for emptiness).
    """

    def __getitem__(self, rank: int) -> KVEventsConfig:
        return self.root[str(rank)]

    def __contains__(self, rank: object) -> bool:
        return str(rank) in self.root

    # RootModel.__iter__ yields (field, value) pairs; this mapping iterates its ranks.
    def __iter__(self) -> Iterator[int]:  # type: ignore[override]
        return (int(rank) for rank in self.root)

    def __len__(self) -> int:
        return len(self.root)

    def __bool__(self) -> bool:
        return True

    def items(self) -> Iterator[tuple[int, KVEventsConfig]]:
        """(rank, config) pairs, in the server's order."""
        return ((int(rank), config) for rank, config in self.root.items())
