"""``ClientConfig``: everything a client is made of, as one frozen, picklable value.

A client cannot travel to another process (it holds a connection pool and locks), its configuration
can: Ray, Spark and Dask tasks capture a :class:`ClientConfig` (or a client, which pickles as its config)
and open a client of their own on the other side with ``VllmClient.from_config(cfg)``.

The batch layer needs to open clients from a config without importing the client classes (they sit
above it). The client module registers its two ``from_config`` constructors here when it is imported
(:func:`register_openers`); :func:`open_async_client` and :func:`open_sync_client` use them.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any, Literal

from . import _config
from ._body_read import DEFAULT_MAX_RESPONSE_SIZE, check_max_response_size
from ._logging import redact_api_key, redact_headers, redact_url

if TYPE_CHECKING:
    import httpx
    from typing_extensions import Self

__all__ = ["ClientConfig", "TransportChoice", "open_async_client", "open_sync_client", "register_openers"]

#: The async client's HTTP transport; ``None``: ``VLLM_SDK_TRANSPORT``, else ``wire`` (aiohttp installed).
TransportChoice = Literal["wire", "aiohttp", "httpx"]


@dataclass(frozen=True, eq=True, repr=False)
class ClientConfig:
    """Everything a :class:`~vllm_sdk.VllmClient` or :class:`~vllm_sdk.AsyncVllmClient` is made of.

    Frozen and picklable, so a Ray, Spark or Dask task can capture it and open its own client::

        cfg = ClientConfig(base_url=["http://a:8000/v1", "http://b:8000/v1"], api_key="sk-...")
        client = VllmClient.from_config(cfg)      # balances over both replicas

    ``base_url`` is one URL or a sequence of replica URLs of one model (each request attempt goes to the
    healthy replica with the fewest requests in flight; a replica that fails ``eject_after`` times in a
    row is left out for ``cooldown`` seconds, doubling on each new ejection). ``None`` fields fall back
    on the environment where the client is opened (``VLLM_BASE_URL``, ``VLLM_API_KEY``, ...), as with
    the client's own arguments. ``api_key`` is a string or a picklable function (a module-level function
    or a :func:`functools.partial`; a lambda cannot travel). ``timeout`` is seconds, an
    :class:`httpx.Timeout`, ``None`` for no timeout, or left out for the default. ``transport`` chooses
    the async client's HTTP transport (``"wire"``, ``"aiohttp"`` or ``"httpx"``).
    """

    # Any sequence is accepted and stored as a tuple (one URL as a string).
    base_url: str | Sequence[str] | None = None
    api_key: _config.ApiKey | None = None
    timeout: httpx.Timeout | _config.NotGiven | None = _config.NOT_GIVEN
    max_retries: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    limits: httpx.Limits | None = None
    stream_idle_timeout: float | None = None
    transport: TransportChoice | None = None
    eject_after: int = 1
    cooldown: float = 5.0
    max_response_size: int | None = DEFAULT_MAX_RESPONSE_SIZE
    default_query: Mapping[str, Any] = field(default_factory=dict)
    stream_usage: bool = True

    def __post_init__(self) -> None:
        # Normalised once, here, so that equal configurations compare equal and a bad value fails where
        # it was written rather than in a remote worker.
        base = self.base_url
        if base is not None and not isinstance(base, str):
            if not isinstance(base, Sequence) or not base or not all(isinstance(u, str) for u in base):
                raise TypeError("base_url must be a URL string, a non-empty sequence of them, or None")
            # Credentials in a URL stay in the config (the client takes them out as Basic auth).
            urls = tuple(_config.normalize_base_url(u, keep_credentials=True) for u in base)
            object.__setattr__(self, "base_url", urls[0] if len(urls) == 1 else urls)
        elif isinstance(base, str):
            object.__setattr__(self, "base_url", _config.normalize_base_url(base, keep_credentials=True))
        key = self.api_key
        if key is not None and not (isinstance(key, str) or callable(key)):
            raise TypeError(f"api_key must be a string or a callable, not {type(key).__name__}")
        if not isinstance(self.timeout, _config.NotGiven):
            object.__setattr__(self, "timeout", _config.to_timeout(self.timeout))
        if self.max_retries is not None:
            _config.check_max_retries(self.max_retries)
        if not isinstance(self.headers, Mapping):
            raise TypeError(f"headers must be a mapping, not {type(self.headers).__name__}")
        object.__setattr__(self, "headers", {str(k): str(v) for k, v in self.headers.items()})
        check_max_response_size(self.max_response_size)
        object.__setattr__(self, "default_query", _config.check_query(self.default_query))
        if not isinstance(self.stream_usage, bool):
            raise TypeError(f"stream_usage must be True or False, not {self.stream_usage!r}")
        if self.transport not in (None, "wire", "httpx", "aiohttp"):
            raise ValueError(f"transport must be 'wire', 'aiohttp', 'httpx' or None, not {self.transport!r}")
        if (
            isinstance(self.eject_after, bool)
            or not isinstance(self.eject_after, int)
            or self.eject_after < 1
        ):
            raise ValueError(f"eject_after must be an integer of at least 1, not {self.eject_after!r}")
        if not isinstance(self.cooldown, (int, float)) or not self.cooldown >= 0:
            raise ValueError(f"cooldown must be a number of seconds >= 0, not {self.cooldown!r}")

    @property
    def base_urls(self) -> tuple[str, ...]:
        """The replica URLs (one for a single server; empty when ``base_url`` is ``None``)."""
        if self.base_url is None:
            return ()
        if isinstance(self.base_url, str):
            return (self.base_url,)
        return tuple(self.base_url)

    def replace(self, **changes: Any) -> Self:
        """A copy with some fields changed (``cfg.replace(max_retries=5)``)."""
        return replace(self, **changes)

    def __hash__(self) -> int:
        # ``headers`` is a dict (so it prints and compares naturally) and httpx's Timeout and Limits are
        # unhashable: hash the headers' items and those two by their repr (equal values, equal reprs).
        return hash(
            (
                self.base_url,
                self.api_key,
                repr(self.timeout),
                self.max_retries,
                frozenset(self.headers.items()),
                repr(self.limits),
                self.stream_idle_timeout,
                self.transport,
                self.eject_after,
                self.cooldown,
                self.max_response_size,
                repr(sorted(self.default_query.items())),
                self.stream_usage,
            )
        )

    def __repr__(self) -> str:
        urls = [redact_url(u) for u in self.base_urls]
        shown = urls[0] if isinstance(self.base_url, str) else (tuple(urls) if urls else None)
        return (
            f"ClientConfig(base_url={shown!r}, api_key={redact_api_key(self.api_key)}, "
            f"timeout={self.timeout!r}, max_retries={self.max_retries!r}, "
            f"headers={redact_headers(self.headers)!r}, transport={self.transport!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        key = self.api_key
        if callable(key):
            # A lambda or closure fails deep inside pickle with a message that does not say which field;
            # say it here, where the user can act on it.
            try:
                pickle.dumps(key)
            except Exception as exc:
                raise TypeError(
                    f"this ClientConfig cannot be pickled: its api_key callable {key!r} is not picklable "
                    "(use a string, a module-level function or a functools.partial)"
                ) from exc
        state = {f.name: getattr(self, f.name) for f in fields(self)}
        return (_rebuild, (state,))


def _rebuild(state: dict[str, Any]) -> ClientConfig:
    return ClientConfig(**state)


# ---------------------------------------------------------------- opening clients from a config

_openers: dict[str, Callable[[ClientConfig], Any]] = {}


def register_openers(*, sync: Callable[[ClientConfig], Any], async_: Callable[[ClientConfig], Any]) -> None:
    """Called by the client module: how to open a client of each kind from a :class:`ClientConfig`."""
    _openers["sync"] = sync
    _openers["async"] = async_


def _opener(kind: str) -> Callable[[ClientConfig], Any]:
    # ``vllm_sdk/__init__`` imports the client module, which registers both: importing any part of the
    # SDK imports the package first, so they are always there.
    return _openers[kind]


def open_async_client(config: ClientConfig) -> Any:
    """A new ``AsyncVllmClient`` opened from ``config``."""
    return _opener("async")(config)


def open_sync_client(config: ClientConfig) -> Any:
    """A new ``VllmClient`` opened from ``config``."""
    return _opener("sync")(config)
