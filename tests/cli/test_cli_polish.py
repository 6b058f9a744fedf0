"""Issue 16 item 6: every option explained, ``mock-server --help`` names itself, no options that do nothing,
``/help`` and ``/exit`` are commands in an interactive chat, and a missing optional dependency is a one-line
install hint rather than a traceback."""

from __future__ import annotations

import argparse
import builtins
import io
import sys
from typing import TYPE_CHECKING, Any

import pytest

from vllm_sdk import cli
from vllm_sdk.cli import _chat, _deps
from vllm_sdk.testing import MockVllmServer
from vllm_sdk.testing.__main__ import build_parser as mock_parser

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="module")
def server() -> Iterator[MockVllmServer]:
    with MockVllmServer() as srv:
        yield srv


def _parsers() -> Iterator[tuple[str, argparse.ArgumentParser]]:
    root = cli.build_parser()
    yield "vllm-sdk", root
    for action in root._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()
    yield "mock-server", mock_parser("vllm-sdk mock-server")


@pytest.mark.parametrize(("name", "parser"), list(_parsers()), ids=lambda value: str(value)[:20])
def test_every_option_and_argument_has_help(name: str, parser: argparse.ArgumentParser) -> None:
    missing = [
        "/".join(action.option_strings) or action.dest
        for action in parser._actions
        if not isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)) and not action.help
    ]
    assert missing == [], f"{name}: options without help text"


def test_mock_server_help_names_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["mock-server", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: vllm-sdk mock-server")
    assert "python -m vllm_sdk.testing" not in out


def test_a_prompt_mentioning_mock_server_is_still_a_chat(
    server: MockVllmServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--base-url", server.base_url, "chat", "what is mock-server?", "--max-tokens", "4"]) == 0
    assert server.requests[-1].json["messages"][-1]["content"] == "what is mock-server?"
    capsys.readouterr()


@pytest.mark.parametrize("command", ["models", "health"])
def test_models_and_health_take_no_model_option(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main([command, "--model", "x", "--base-url", "http://127.0.0.1:9/v1"])
    assert info.value.code == 2
    assert "unrecognized arguments: --model x" in capsys.readouterr().err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _interactive(
    server: MockVllmServer, lines: list[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str]:
    typed = iter(lines)

    def fake_input(prompt: str = "") -> str:
        try:
            return next(typed)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr(builtins, "input", fake_input)
    err = io.StringIO()
    settings = _chat.ChatSettings(base_url=server.base_url, api_key=None, model=None, max_tokens=4)
    code = _chat.command_chat(settings, None, stdin=_Terminal(), out=io.StringIO(), err=err)
    return code, err.getvalue()


def test_slash_commands_are_commands_not_prompts(
    server: MockVllmServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.reset()
    code, err = _interactive(
        server, ["/help", "/nonsense", "hello", "/reset", "again", "/exit", "never sent"], monkeypatch
    )
    assert code == 0
    sent = [r.json["messages"] for r in server.requests if r.path.endswith("/chat/completions")]
    assert sent == [[{"role": "user", "content": "hello"}], [{"role": "user", "content": "again"}]]
    assert "/reset" in err  # /help listed the commands
    assert "/exit" in err
    assert "unknown command /nonsense" in err


def test_a_line_that_only_starts_with_a_slash_is_a_prompt(
    server: MockVllmServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.reset()
    code, _ = _interactive(server, ["/usr/bin is where?", "/quit"], monkeypatch)
    assert code == 0
    assert server.requests[-1].json["messages"] == [{"role": "user", "content": "/usr/bin is where?"}]


def _hide(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    """Make ``modules`` (and what was imported under them) impossible to import."""
    for name in list(sys.modules):
        if name.partition(".")[0] in modules or name.startswith("vllm_sdk.testing._"):
            monkeypatch.delitem(sys.modules, name)
    for name in modules:
        monkeypatch.setitem(sys.modules, name, None)  # import raises ModuleNotFoundError(name=name)


@pytest.mark.parametrize(
    ("argv", "module", "extra"),
    [
        (["mock-server", "--port", "0"], "aiohttp", None),
        (["demo", "--requests", "1"], "aiohttp", None),
        (["demo", "--requests", "1"], "rich", "cli"),
    ],
)
def test_a_missing_optional_dependency_is_a_one_line_install_hint(
    argv: list[str],
    module: str,
    extra: str | None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _hide(monkeypatch, module)
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    if extra is None:  # aiohttp is a dependency of the package: only a --no-deps install lacks it
        assert err == (
            f"error: vllm-sdk {argv[0]} needs {module}, a dependency of vllm-python-sdk that is not "
            f"installed (installed with --no-deps?): pip install {module}\n"
        )
    else:
        assert err == (
            f"error: vllm-sdk {argv[0]} needs {module}, which is not installed: "
            f'pip install "vllm-python-sdk[{extra}]"\n'
        )


def test_mock_server_help_works_without_aiohttp(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _hide(monkeypatch, "aiohttp")
    with pytest.raises(SystemExit) as info:
        cli.main(["mock-server", "--help"])
    assert info.value.code == 0
    assert "--port" in capsys.readouterr().out


def test_other_import_errors_are_not_hidden() -> None:
    bug = ImportError("cannot import name 'x' from 'vllm_sdk._nothing'", name="vllm_sdk._nothing")
    assert _deps.missing_dependency_hint(bug, "chat") is None
    wrapped = ImportError("needs aiohttp")
    wrapped.__cause__ = ModuleNotFoundError("No module named 'aiohttp'", name="aiohttp")
    hint: Any = _deps.missing_dependency_hint(wrapped, "demo")
    assert hint.endswith("--no-deps?): pip install aiohttp")
