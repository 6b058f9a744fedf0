"""What every example shares: its command line and the server it talks to.

Each example accepts ``--base-url`` (a vLLM server such as ``http://localhost:8000/v1``), ``--model`` and
``--api-key``. Without ``--base-url`` it starts :class:`vllm_sdk.testing.MockVllmServer` on a free port for
the duration of the run, so every example works out of the box (``pip install "vllm-python-sdk[mock]"``).
Without ``--model`` it uses the first model the server lists.

Usage inside an example::

    from _common import example

    with example("Say hello.") as ex:
        client = VllmClient(ex.base_url, api_key=ex.api_key)
        ...
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vllm_sdk import VllmClient

if TYPE_CHECKING:
    from vllm_sdk.testing import MockVllmServer


@dataclass(frozen=True)
class Example:
    """Where the example sends its requests, and its parsed command line (``args``).

    ``server`` is the mock server when the example started one (``None`` against a real server).
    """

    base_url: str
    model: str
    api_key: str | None
    args: argparse.Namespace
    server: MockVllmServer | None = None

    @property
    def mock(self) -> bool:
        """Whether the example talks to the mock server it started."""
        return self.server is not None

    def client(self, **options: Any) -> VllmClient:
        """A ``VllmClient`` for this server (``options`` go to the constructor)."""
        return VllmClient(self.base_url, api_key=self.api_key, **options)


def _first_model(base_url: str, api_key: str | None) -> str:
    with VllmClient(base_url, api_key=api_key) as client:
        models = client.models.list().data or []
    if not models:
        raise SystemExit(f"{base_url} serves no model")
    return models[0].id


@contextlib.contextmanager
def example(
    description: str,
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None,
    *,
    mock_options: dict[str, Any] | None = None,
) -> Iterator[Example]:
    """Parse the command line and yield the server to use (a mock one unless ``--base-url`` is given).

    ``add_arguments`` lets an example declare options of its own; ``mock_options`` are keyword arguments
    for ``MockVllmServer`` (a token delay, for instance), used only when the mock is started.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--base-url",
        default=os.environ.get("VLLM_BASE_URL"),
        help="vLLM server, e.g. http://localhost:8000/v1 (default: VLLM_BASE_URL, else start a mock server)",
    )
    parser.add_argument("--model", help="model name (default: the first model the server lists)")
    parser.add_argument("--api-key", default=os.environ.get("VLLM_API_KEY"), help="default: VLLM_API_KEY")
    if add_arguments is not None:
        add_arguments(parser)
    args = parser.parse_args()

    if args.base_url:
        model = args.model or _first_model(args.base_url, args.api_key)
        yield Example(args.base_url, model, args.api_key, args)
        return

    from vllm_sdk.testing import MockVllmServer

    options: dict[str, Any] = dict(mock_options or {})
    if args.model:
        options["model"] = args.model  # the mock serves whatever name it is told to
    with MockVllmServer(**options) as server:
        print(f"[no --base-url: talking to a mock vLLM server at {server.base_url}]", file=sys.stderr)
        yield Example(server.base_url, server.model, args.api_key, args, server)
