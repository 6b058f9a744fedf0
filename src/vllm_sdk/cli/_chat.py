"""``vllm-sdk chat | complete | models | health``: small commands over the sync client.

Answers stream to stdout as they arrive; reasoning streams to stderr (dimmed on a terminal), so
``vllm-sdk chat "question" > answer.txt`` keeps only the answer while you still watch the model think.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

from .._events import Content, Error, Reasoning, Text, ToolCallComplete, Usage
from .._exceptions import VllmError

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["ChatSettings", "command_chat", "command_complete", "command_health", "command_models"]

_DIM, _RESET = "\x1b[2m", "\x1b[0m"

#: The commands of an interactive chat: a line that is one of these words is never sent to the model.
COMMANDS = {
    "/help": "show these commands",
    "/reset": "forget the conversation (the system prompt stays)",
    "/exit": "quit (also /quit, Ctrl-D)",
    "/quit": "quit",
}


class ChatSettings:
    """Connection and sampling settings shared by the commands."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str | None,
        model: str | None,
        timeout: float | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        system: str | None = None,
        think: bool | None = None,
    ) -> None:
        self.base_url = base_url
        self.api_key = api_key
        self.model = model
        self.timeout = timeout
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.system = system
        self.think = think

    def client(self) -> Any:
        from .._client import VllmClient

        kwargs: dict[str, Any] = {"base_url": self.base_url, "api_key": self.api_key}
        if self.timeout is not None:
            kwargs["timeout"] = self.timeout
        return VllmClient(**kwargs)

    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if self.max_tokens is not None:
            params["max_tokens"] = self.max_tokens
        if self.temperature is not None:
            params["temperature"] = self.temperature
        if self.think is not None:
            params["extra_body"] = {"chat_template_kwargs": {"enable_thinking": self.think}}
        return params


def model_ids(listing: Any) -> list[str]:
    """The model ids of a ``models.list()`` result (a page object with ``data``, or a plain list)."""
    items: Iterable[Any] = getattr(listing, "data", listing)
    ids = []
    for item in items:
        ident = item.get("id") if isinstance(item, dict) else getattr(item, "id", None)
        if isinstance(ident, str):
            ids.append(ident)
    return ids


def resolve_model(client: Any, settings: ChatSettings) -> str:
    """``--model``, else the first model the server lists."""
    if settings.model:
        return settings.model
    ids = model_ids(client.models.list())
    if not ids:
        raise VllmError("the server lists no models; pass --model")
    return ids[0]


class _Printer:
    """Writes content to ``out`` and reasoning, dimmed on a terminal, to ``err``."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out, self.err = out, err
        self.dim = err.isatty()
        self.in_reasoning = False

    def reasoning(self, text: str) -> None:
        if not self.in_reasoning:
            self.in_reasoning = True
            if self.dim:
                self.err.write(_DIM)
        self.err.write(text)
        self.err.flush()

    def content(self, text: str) -> None:
        self.end_reasoning()
        self.out.write(text)
        self.out.flush()

    def end_reasoning(self) -> None:
        if self.in_reasoning:
            self.in_reasoning = False
            self.err.write((_RESET if self.dim else "") + "\n")
            self.err.flush()


def stream_answer(
    client: Any, model: str, messages: list[dict[str, Any]], settings: ChatSettings, out: TextIO, err: TextIO
) -> str:
    """Stream one answer to the terminal; returns its content (for the conversation history)."""
    printer = _Printer(out, err)
    parts: list[str] = []
    stream = client.chat.completions.create(model=model, messages=messages, stream=True, **settings.params())
    with stream:
        for event in stream:
            if type(event) is Content:
                parts.append(event.text)
                printer.content(event.text)
            elif type(event) is Reasoning:
                printer.reasoning(event.text)
            elif type(event) is ToolCallComplete:
                printer.content(f"\n[tool call] {event.tool_call.name}({event.tool_call.arguments})")
            elif type(event) is Error:
                raise event.error
    printer.end_reasoning()
    out.write("\n")
    out.flush()
    return "".join(parts)


def command_chat(
    settings: ChatSettings, prompt: str | None, *, stdin: TextIO, out: TextIO, err: TextIO
) -> int:
    """One-shot when a prompt is given (or piped on stdin), else an interactive conversation."""
    with settings.client() as client:
        model = resolve_model(client, settings)
        history: list[dict[str, Any]] = []
        if settings.system:
            history.append({"role": "system", "content": settings.system})
        if prompt is None and not stdin.isatty():
            prompt = stdin.read().strip()
        if prompt:
            stream_answer(client, model, [*history, {"role": "user", "content": prompt}], settings, out, err)
            return 0
        err.write(f"chatting with {model} at {settings.base_url} (/help lists the commands, /exit quits)\n")
        while True:
            try:
                line = input("you> ")
            except EOFError:
                err.write("\n")
                return 0
            text = line.strip()
            if not text:
                continue
            if text.startswith("/") and " " not in text:  # one word starting with "/": a command
                if text in ("/exit", "/quit"):
                    return 0
                if text == "/reset":
                    del history[1 if settings.system else 0 :]
                    err.write("(conversation cleared)\n")
                elif text == "/help":
                    err.writelines(f"  {name:<7} {what}\n" for name, what in COMMANDS.items())
                else:
                    err.write(f"unknown command {text}; /help lists the commands\n")
                continue
            history.append({"role": "user", "content": text})
            try:
                answer = stream_answer(client, model, history, settings, out, err)
            except VllmError as exc:
                history.pop()
                err.write(f"error: {exc}\n")
                continue
            history.append({"role": "assistant", "content": answer})


def command_complete(settings: ChatSettings, prompt: str, *, out: TextIO, err: TextIO) -> int:
    """Stream a legacy completion of ``prompt``."""
    with settings.client() as client:
        model = resolve_model(client, settings)
        params = settings.params()
        params.pop("extra_body", None)
        stream = client.completions.create(model=model, prompt=prompt, stream=True, **params)
        with stream:
            for event in stream:
                if type(event) is Text:
                    out.write(event.text)
                    out.flush()
                elif type(event) is Usage:
                    continue
                elif type(event) is Error:
                    raise event.error
        out.write("\n")
    return 0


def command_models(settings: ChatSettings, *, as_json: bool, out: TextIO) -> int:
    """List the served models, one id a line (or the JSON)."""
    with settings.client() as client:
        listing = client.models.list()
        if as_json:
            raw = getattr(listing, "raw", None)
            if raw is None and hasattr(listing, "model_dump"):
                raw = listing.model_dump(mode="json")
            out.write(json.dumps(raw, indent=2) + "\n")
        else:
            for ident in model_ids(listing):
                out.write(ident + "\n")
    return 0


def command_health(settings: ChatSettings, *, out: TextIO) -> int:
    """Exit 0 and print ``ok`` when the server is healthy, else exit 1."""
    try:
        with settings.client() as client:
            healthy = bool(client.health())
    except VllmError as exc:
        out.write(f"unhealthy: {exc}\n")
        return 1
    out.write("ok\n" if healthy else "unhealthy\n")
    return 0 if healthy else 1


def write_error(exc: BaseException, err: TextIO = sys.stderr) -> None:
    """Print an SDK error the way the commands report it."""
    err.write(f"error: {exc}\n")
