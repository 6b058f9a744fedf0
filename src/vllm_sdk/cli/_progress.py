"""Progress of ``vllm-sdk batch``: a rich bar on a terminal, plain lines otherwise, or nothing.

Modes (``--progress``): ``bar`` is a live rich bar with throughput (``rich`` comes with the ``cli``
extra); ``plain`` prints one line at every tenth of the run, and at least every
:data:`PLAIN_MAX_SILENCE` seconds, which suits logs and CI; ``none`` prints nothing. ``auto`` (the
default) is ``bar`` when the output is a terminal and rich is installed, else ``plain``. Asking for
``bar`` without rich prints a one-line install hint and falls back to ``plain``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Protocol, TextIO

if TYPE_CHECKING:
    from types import TracebackType

__all__ = ["MODES", "PLAIN_MAX_SILENCE", "RICH_HINT", "BatchProgress", "Counters", "resolve_mode"]

#: What ``--progress`` accepts.
MODES = ("auto", "bar", "plain", "none")

#: A plain progress line is printed at least this often (seconds) while results come in.
PLAIN_MAX_SILENCE = 30.0

#: Printed when the bar is asked for and rich is missing.
RICH_HINT = "the progress bar needs rich: pip install 'vllm-python-sdk[cli]' (showing plain progress lines)"


class Counters(Protocol):
    """The running totals a progress display reads (``BatchStats`` provides them)."""

    requests: int
    errors: int
    completion_tokens: int

    @property
    def elapsed(self) -> float:
        """Seconds since the run started."""
        ...


def _has_rich() -> bool:
    try:
        import rich.progress  # noqa: F401
    except ImportError:
        return False
    return True


def resolve_mode(mode: str, *, is_tty: bool, err: TextIO) -> str:
    """The display to use for ``mode`` (one of :data:`MODES`): ``bar``, ``plain`` or ``none``."""
    if mode not in MODES:
        raise ValueError(f"progress mode must be one of {', '.join(MODES)}, not {mode!r}")
    if mode == "auto":
        return "bar" if is_tty and _has_rich() else "plain"
    if mode == "bar" and not _has_rich():
        print(RICH_HINT, file=err)
        return "plain"
    return mode


def _rate_text(stats: Counters) -> str:
    elapsed = max(stats.elapsed, 1e-9)
    return (
        f"{stats.requests / elapsed:,.1f} req/s, {stats.completion_tokens / elapsed:,.0f} tok/s, "
        f"{stats.errors} errors"
    )


class BatchProgress:
    """The progress display of one run (a context manager; :meth:`advance` after each result)."""

    def __init__(self, mode: str, total: int, stats: Counters, err: TextIO) -> None:
        if mode not in ("bar", "plain", "none"):
            raise ValueError(f"unresolved progress mode {mode!r} (see resolve_mode)")
        self._mode = mode
        self._total = total
        self._stats = stats
        self._err = err
        self._bar: Any = None
        self._task: Any = None
        self._last = 0.0
        self._unshown = 0  # bar: results not yet handed to the bar
        self._next_step = 1  # plain: the next tenth of the run to report
        if mode == "bar":
            self._bar = self._make_bar()

    def _make_bar(self) -> Any:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        bar = Progress(
            TextColumn("[bold]batch"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            console=Console(file=self._err),
            refresh_per_second=5,
        )
        self._task = bar.add_task("batch", total=self._total or None, rate="")
        return bar

    def __enter__(self) -> BatchProgress:
        if self._bar is not None:
            self._bar.start()
        return self

    def advance(self) -> None:
        """One more result is in."""
        if self._mode == "none":
            return
        now = time.perf_counter()
        if self._bar is not None:
            # rich refreshes at 5 Hz and each of its updates takes a lock: results are counted here and
            # handed to the bar at most ten times a second, so the bar costs nothing per request.
            self._unshown += 1
            if now - self._last >= 0.1:
                self._show(now)
            return
        done = self._stats.requests
        # Lines at every tenth of a known total (deterministic), and after a long silence in any case.
        due = self._total > 0 and done * 10 >= self._next_step * self._total
        if due or (self._last and now - self._last >= PLAIN_MAX_SILENCE):
            while self._total > 0 and done * 10 >= self._next_step * self._total:
                self._next_step += 1
            self._line(done, now)
        elif not self._last:
            self._last = now

    def _show(self, now: float) -> None:
        self._last = now
        self._bar.update(self._task, advance=self._unshown, rate=_rate_text(self._stats))
        self._unshown = 0

    def _line(self, done: int, now: float) -> None:
        self._last = now
        of = f"/{self._total} ({100 * done / self._total:.0f}%)" if self._total else ""
        print(f"progress: {done}{of} requests, {_rate_text(self._stats)}", file=self._err, flush=True)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._show(time.perf_counter())  # the results counted since the last update
            self._bar.stop()
