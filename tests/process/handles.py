#!/usr/bin/env python3
"""Threading handles are freed once dead (docs/threading.md "Handle lifetime"), measured on a process.

    python3 tests/process/handles.py --bp build/release/bp [--quick] CASE...

Cases (each a ctest test):
  bounded   a loop creates 1,000,000 mutexes, conditions and buffered channels (3,000,000 handles,
            each dropped at once; --quick: 200,000 for sanitizer and stress builds), then every
            other kind of handle, futures and threads: the `gc: handles` line of --gc-stats must show
            a bounded peak of live handles and every dropped handle freed, and (unsanitized builds)
            the process's peak RSS stays far below what keeping them cost (about 1.6 GB before).
  in_use    handles that are in use are kept, counted exactly: the same program run twice, once
            dropping a mutex it still holds and once a mutex it released, ends with exactly one more
            live handle in the first run; likewise a dropped handle of a thread that is still
            running, and a handle converted to ptr.
"""
from __future__ import annotations

import argparse
import re
import resource
import os
import subprocess
import sys
import tempfile
from pathlib import Path

FAILURES: list[str] = []
STATS = re.compile(r"gc: handles (\d+) live, peak (\d+), (\d+) freed")


def check(cond: bool, what: str) -> None:
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILURES.append(what)


def run(bp: str, source: str, *args: str, opts: tuple[str, ...] = ()) -> tuple[int, str, str, int]:
    """Runs a program with --gc-stats; returns (exit code, stdout, stderr, peak RSS in KiB)."""
    with tempfile.TemporaryDirectory() as d:
        prog = Path(d) / "prog.bp"
        prog.write_text(source)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        r = subprocess.run([bp, "--gc-stats", *opts, str(prog), *args], capture_output=True, text=True,
                           timeout=900)
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        # ru_maxrss of children is the largest child so far: only meaningful when it grew
        return r.returncode, r.stdout, r.stderr, rss if rss > before else rss


def stats(stderr: str) -> tuple[int, int, int]:
    m = STATS.search(stderr)
    return (int(m[1]), int(m[2]), int(m[3])) if m else (-1, -1, -1)


BOUNDED = """
import thread

def other_kinds(n: int) -> void:
    let i: int = 0
    while i < n:
        let v: Volatile = volatile_new()
        volatile_set(v, "k", [i])
        let a: Atomic = atomic_new(i)
        let s: Semaphore = sem_new(1)
        let w: WaitGroup = wg_new()
        let l: RWLock = rwlock_new()
        read_lock(l)
        read_unlock(l)
        let b: Barrier = barrier_new(1)
        barrier_wait(b)
        let o: Once = once_new()
        let t: Tls = tls_new()
        tls_set(t, i)
        i = i + 1

def sq(x: int) -> int:
    return x * x

def main() -> int:
    let n: int = parse_int(argv()[0])
    let i: int = 0
    while i < n:
        let m: Mutex = mutex_new()
        mutex_lock(m)
        mutex_unlock(m)
        let c: Condition = cond_new(m)
        let ch: Channel[int] = chan_new(1)
        chan_send(ch, i)
        i = i + 1
    other_kinds(n / 20)
    let p: Pool = pool_new(2)
    let total: int = 0
    i = 0
    while i < n / 50:
        total = total + pool_submit(p, sq, i).get()
        i = i + 1
    pool_shutdown(p)
    i = 0
    while i < 200:
        let t: Thread = thread.spawn(sq, i)
        let r: int = thread.join(t)
        total = total + r
        i = i + 1
    print(i, total > 0)
    return 0
"""


def case_bounded(bp: str, quick: bool, sanitized: bool) -> None:
    n = 200_000 if quick else 1_000_000
    code, out, err, rss = run(bp, BOUNDED, str(n))
    check(code == 0 and out == "200 true\n", f"bounded: exit 0 and output (got {code}, {out!r}, {err[-300:]!r})")
    live, peak, freed = stats(err)
    created = 3 * n + 8 * (n // 20) + n // 50 + 1 + 200
    print(f"     {created} handles created; live at exit {live}, peak {peak}, freed {freed}; peak RSS {rss // 1024} MiB")
    check(0 <= live < 100_000, f"bounded: live handles at exit bounded ({live})")
    check(0 < peak < 150_000, f"bounded: peak of live handles bounded ({peak} of {created})")
    check(freed + live == created, f"bounded: every handle is live or freed ({freed} + {live} == {created})")
    check(freed >= created - 100_000, f"bounded: the dropped handles were freed ({freed})")
    if not sanitized:
        check(rss < 200 * 1024, f"bounded: peak RSS {rss // 1024} MiB < 200 MiB (3M handles kept: ~1.6 GB)")


IN_USE = """
import thread

def hold(release: bool) -> void:
    let m: Mutex = mutex_new()
    mutex_lock(m)
    if release:
        mutex_unlock(m)

def escape(keep: bool) -> void:
    let v: Volatile = volatile_new()
    if keep:
        let p: ptr = v # dropped too, but a ptr pins what it came from

def blocked(ch: Channel[int]) -> int:
    return chan_recv(ch)

# The handle is dropped on return: joined (freed at the next collection), or while the thread runs
# (blocked in chan_recv until main sends after the churn).
def start(ch: Channel[int], join: bool) -> void:
    let t: Thread = thread.spawn(blocked, ch)
    if join:
        chan_send(ch, 1)
        let r: int = thread.join(t)

def churn(n: int) -> void:
    let i: int = 0
    while i < n:
        let m: Mutex = mutex_new()
        let c: Channel[int] = chan_new(1)
        chan_send(c, i)
        i = i + 1

def main() -> int:
    let what: str = argv()[0]
    hold(what != "held")
    escape(what == "ptr")
    let ch: Channel[int] = chan_new(0)
    start(ch, what != "running")
    churn(100000)
    print("churned")
    if what == "running":
        chan_send(ch, 1)
    return 0
"""


def case_in_use(bp: str) -> None:
    live = {}
    for what in ("base", "held", "ptr", "running"):
        # Stop-the-world collections only: a concurrent cycle keeps what was made during it (black)
        # until the next one, so the live count at exit would depend on which kind came last.
        code, out, err, _ = run(bp, IN_USE, what, opts=("--gc-concurrent=never",))
        check(code == 0 and out == "churned\n", f"in_use {what}: exit 0 and output (got {code}, {out!r}, {err[-300:]!r})")
        live[what] = stats(err)[0]
    print(f"     live at exit: {live}")
    check(live["base"] > 0, "in_use: stats line present")
    check(live["held"] == live["base"] + 1, "in_use: a dropped mutex still held is kept (exactly one more live)")
    check(live["ptr"] == live["base"] + 1, "in_use: a handle converted to ptr is kept (exactly one more live)")
    # Every run spawns one thread: joined before the churn (freed then) but in `running`, where it
    # is kept while it runs and ends after the last collection.
    if os.environ.get("BP_GC_STRESS") == "1":
        # A collection at every safepoint: which handles the last one saw depends on where the
        # running thread was then, so only "kept" is exact here.
        check(live["running"] >= live["base"] + 1, "in_use: a dropped handle of a running thread is kept")
    else:
        check(live["running"] == live["base"] + 1, "in_use: a dropped handle of a running thread is kept")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bp", required=True)
    ap.add_argument("--quick", action="store_true", help="fewer handles (sanitizer and stress builds)")
    ap.add_argument("cases", nargs="+", choices=["bounded", "in_use"])
    a = ap.parse_args([x for x in sys.argv[1:] if x]) # ctest passes '' for an unset option
    binary = Path(a.bp).read_bytes()
    sanitized = b"__asan_init" in binary or b"__tsan_init" in binary
    for c in a.cases:
        if c == "bounded":
            case_bounded(a.bp, a.quick or sanitized, sanitized)
        else:
            case_in_use(a.bp)
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
