"""What the benchmarks share: measured steps in fresh processes, cached inputs, the machine, tables.

Every measured step runs in a fresh interpreter (`step("benchmarks.x:function", **kwargs)`), so its
peak memory is its own: the parent waits for it with `os.wait4`, which returns that one child's
`ru_maxrss`, and the child also reports its `VmHWM` from /proc. The step times exactly the work it
measures (opening files and importing modules are outside the timer) and returns a JSON dict.

Generated histories and built stores are cached in `benchmarks/work/` (gitignored), named by
scale and seed, and reused when present. A file being written carries a `.partial` suffix until it
is complete, so an interrupted run never leaves a cache entry that looks finished.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import platform
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / "work"
PYTHON = sys.executable
POSTGRES = os.environ.get("LEDGER_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
SEED = 2021  # the generator's default seed; every benchmark is deterministic given scale and seed

Result = dict[str, Any]


class StepFailed(RuntimeError):
    """A measured step exited non-zero."""


# -- measured steps ------------------------------------------------------------------------------


def step(target: str, /, timeout: float | None = None, **kwargs: Any) -> Result:
    """Run `module:function(**kwargs)` in a fresh interpreter and return its result dict.

    Adds `peak_rss_mib` (the child's own peak resident set, from `wait4`), `process_s` (the
    child's whole wall time, start-up included) and `code` (the commit it ran). After `timeout`
    seconds the child (and anything it started) is killed and the result is
    `{"timed_out": True, "seconds": timeout, ...}`.
    """
    WORK.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=WORK, prefix=".step-") as scratch:
        out = Path(scratch) / "result.json"
        code = code_version()  # what the child is about to load
        started = time.perf_counter()
        child = subprocess.Popen(
            [PYTHON, "-m", "benchmarks.common", target, json.dumps(kwargs), str(out)], cwd=ROOT,
            start_new_session=True,  # its own process group, so a timeout ends all of it
        )
        timed_out = False
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if timeout is not None and time.perf_counter() - started > timeout:
                os.killpg(child.pid, signal.SIGKILL)
                timed_out = True
            time.sleep(0.05)
        child.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - started
        if timed_out:
            log(f"{target} did not finish in {timeout:,.0f} s: stopped")
            result: Result = {"timed_out": True, "seconds": timeout}
        elif child.returncode != 0:
            raise StepFailed(f"{target} exited with {child.returncode}")
        else:
            result = json.loads(out.read_text())
    result["peak_rss_mib"] = usage.ru_maxrss / 1024  # Linux reports KiB
    result["process_s"] = elapsed
    result["code"] = code
    return result


def _child(target: str, arguments: str, out: str) -> None:
    module_name, _, function_name = target.partition(":")
    function: Callable[..., Result] = getattr(importlib.import_module(module_name), function_name)
    result = function(**json.loads(arguments))
    result["vmhwm_mib"] = vmhwm_mib()
    Path(out).write_text(json.dumps(result, default=str))


def vmhwm_mib() -> float:
    """This process's peak resident set so far (VmHWM), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


@contextmanager
def timer() -> Iterator[Callable[[], float]]:
    """`with timer() as elapsed: ...; elapsed()` — seconds since entering, frozen on exit."""
    started = time.perf_counter()
    stopped: list[float] = []

    def elapsed() -> float:
        return (stopped[0] if stopped else time.perf_counter()) - started

    try:
        yield elapsed
    finally:
        stopped.append(time.perf_counter())


# -- cached inputs -------------------------------------------------------------------------------


def history(scale: float, seed: int = SEED) -> Path:
    """The generator's history at `scale`/`seed` (JSON lines), generated once and cached."""
    path = WORK / f"history-s{scale:g}-seed{seed}.jsonl"
    if path.is_file():
        return path
    WORK.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    log(f"generating {path.name} (scale {scale:g}, seed {seed}) ...")
    subprocess.run(
        [PYTHON, "-m", "replay_data.generator", "--scale", f"{scale:g}", "--seed", str(seed),
         "--out", str(partial)],
        cwd=ROOT, check=True,
    )
    partial.replace(path)
    return path


def line_count(path: Path) -> int:
    """Lines in a JSON-lines file (remembered beside it)."""
    memo = path.with_name(path.name + ".lines")
    if memo.is_file() and memo.stat().st_mtime >= path.stat().st_mtime:
        return int(memo.read_text())
    count = 0
    with path.open("rb") as lines:
        while chunk := lines.read(1 << 24):
            count += chunk.count(b"\n")
    memo.write_text(str(count))
    return count


def split_tail(path: Path, tail: int) -> tuple[Path, Path]:
    """`path` cut into (all lines but the last `tail`, the last `tail` lines), cached."""
    head_path = path.with_name(f"{path.stem}-head{tail}.jsonl")
    tail_path = path.with_name(f"{path.stem}-tail{tail}.jsonl")
    if head_path.is_file() and tail_path.is_file():
        return head_path, tail_path
    keep = line_count(path) - tail
    partial = head_path.with_name(head_path.name + ".partial")
    with path.open("rb") as source, partial.open("wb") as head, \
            tail_path.open("wb") as rest:
        for n, line in enumerate(source):
            (head if n < keep else rest).write(line)
    partial.replace(head_path)
    return head_path, tail_path


def copy_file(source: Path, target: Path) -> None:
    """Copy a store or projections file (and nothing of a previous one at `target`)."""
    for stale in (target, *sidecars(target)):
        stale.unlink(missing_ok=True)
    shutil.copyfile(source, target)


def sidecars(path: Path) -> list[Path]:
    """SQLite's and DuckDB's companion files of `path`."""
    return [path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal", ".wal")]


def remove_store(path: Path) -> None:
    for stale in (path, *sidecars(path)):
        stale.unlink(missing_ok=True)


def checkpoint(path: Path) -> None:
    """Fold a SQLite store's write-ahead log into the file, so a byte copy of it is complete."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


# -- PostgreSQL ----------------------------------------------------------------------------------


def postgres_url(schema: str) -> str:
    separator = "&" if "?" in POSTGRES else "?"
    return f"{POSTGRES}{separator}schema={schema}"


@contextmanager
def postgres_schema(prefix: str = "bench") -> Iterator[tuple[str, str]]:
    """A fresh schema on the benchmark server, dropped afterwards: yields (schema, store URL)."""
    import psycopg

    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield schema, postgres_url(schema)
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def postgres_reachable() -> str | None:
    """None when the benchmark server answers, else why not."""
    import psycopg

    try:
        with psycopg.connect(POSTGRES, connect_timeout=3):
            return None
    except psycopg.OperationalError as failure:
        return str(failure).strip().splitlines()[0]


# -- the machine ---------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    import duckdb
    import pyarrow

    return {
        "cpus": str(os.cpu_count()),
        "cpu": _cpu_model(),
        "memory": f"{_meminfo_kib('MemTotal') / 1024 / 1024:.1f} GiB",
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "duckdb": duckdb.__version__,
        "pyarrow": pyarrow.__version__,
        "eventsourcing": metadata.version("eventsourcing"),
        "postgresql": _postgres_version(),
    }


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "?"
    found = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return found.group(1).strip() if found else "?"


def _meminfo_kib(field: str) -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _postgres_version() -> str:
    try:
        import psycopg

        with psycopg.connect(POSTGRES, connect_timeout=3) as connection:
            row = connection.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else "?"
    except Exception as failure:  # the server is optional for the SQLite figures
        return f"unreachable ({type(failure).__name__})"


# -- output --------------------------------------------------------------------------------------


def log(message: str) -> None:
    stamp = dt.datetime.now().strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", file=sys.stderr, flush=True)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]], title: str = "") -> None:
    """A plain text table, columns left-aligned except those whose cells all look numeric."""
    cells = [[str(c) for c in headers], *[[_cell(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    numeric = [all(_numeric(row[i]) for row in cells[1:]) and len(cells) > 1
               for i in range(len(headers))]

    def render(row: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if n else c.ljust(w) for c, w, n in zip(row, widths, numeric, strict=True)
        ).rstrip()

    if title:
        print(f"\n{title}")
    print(render(cells[0]))
    print("  ".join("-" * w for w in widths))
    for row in cells[1:]:
        print(render(row))
    sys.stdout.flush()


def _cell(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _numeric(text: str) -> bool:
    return bool(re.fullmatch(r"[-+]?[\d,]*\.?\d+\s*(×|%|s|ms|MiB|ev/s|rows/s)?", text)) or text == "—"


def rate(count: float, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def fmt_rate(value: float, unit: str = "ev/s") -> str:
    return f"{value:,.0f} {unit}"


def fmt_seconds(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 1 else f"{seconds:,.2f} s"


def fmt_ratio(value: float) -> str:
    if value < 0.1:
        return f"{value:.2g}×"
    return f"{value:,.2f}×" if value < 100 else f"{value:,.0f}×"


def fmt_events(count: int) -> str:
    return f"{count / 1e6:.1f}M events" if count >= 1_000_000 else f"{count:,} events"


@dataclass(frozen=True, slots=True)
class Figure:
    """One line of the SPEC §9 table: a measured figure, its target, and its baseline."""

    figure: str
    target: str
    measured: str
    baseline: str
    ratio: str
    met: bool | None
    peak_rss_mib: float | None = None

    def row(self) -> list[object]:
        met = "—" if self.met is None else ("yes" if self.met else "NO")
        peak = None if self.peak_rss_mib is None else f"{self.peak_rss_mib:,.0f} MiB"
        return [self.figure, self.target, self.measured, self.baseline, self.ratio, met, peak]


TARGET_PEAK_MIB = 2048.0  # SPEC §9: peak memory for any figure ≤ 2 GB


def peak_figure(peaks: dict[str, float], label: str = "peak memory for any of the above") -> Figure:
    """The peak-memory line: the largest of the steps' peaks, and which step it was."""
    step_name, peak = max(peaks.items(), key=lambda item: item[1])
    return Figure(label, f"≤ {TARGET_PEAK_MIB / 1024:.0f} GB", f"{peak:,.0f} MiB ({step_name})",
                  "—", "—", met=peak <= TARGET_PEAK_MIB, peak_rss_mib=peak)


FIGURE_HEADERS = ("figure", "target", "measured", "baseline", "ratio", "met?", "peak RSS")


def print_figures(figures: Sequence[Figure], title: str) -> None:
    print_table(FIGURE_HEADERS, [f.row() for f in figures], title)


def save_results(name: str, payload: dict[str, Any]) -> Path:
    """Keep a run's raw results as JSON in the work folder (the docs quote them)."""
    WORK.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = WORK / f"results-{name}-{stamp}.json"
    payload = {"machine": machine(), "code": code_version(), **payload}
    text = json.dumps(payload, indent=2, default=_jsonable)
    path.write_text(text)
    (WORK / f"results-{name}-latest.json").write_text(text)
    return path


def code_version() -> str:
    """The commit measured, marked when ledger/ or projections/ had uncommitted changes."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    head = git("rev-parse", "--short", "HEAD")
    dirty = git("status", "--porcelain", "--", "ledger", "projections")
    return f"{head} (+ uncommitted changes in ledger/ or projections/)" if dirty else head


def _jsonable(value: object) -> object:
    if isinstance(value, Figure):
        return asdict(value)
    return str(value)


if __name__ == "__main__":
    _child(*sys.argv[1:4])
