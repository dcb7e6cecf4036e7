#!/usr/bin/env python3
"""SIGQUIT thread dumps (docs/threading.md "Thread dumps"), tested on a live process.

    python3 tests/process/thread_dump.py --bp build/release/bp CASE...

Cases (each a ctest test):
  states      a program with a looping thread, a thread blocked on a mutex, one waiting on a condition
              and main blocked in read_line: two SIGQUITs, each dump lists every thread with its state
              and a traceback line; then the program finishes normally (exit 0, full stdout).
  gc_stress   SIGQUIT again and again while threads allocate under --gc-stress (a collection at nearly
              every allocation) and short-lived threads start and exit: every dump completes, the
              program finishes normally.
Readiness is a line the program prints (read_line flushes stdout); nothing waits on a fixed sleep.
"""
from __future__ import annotations

import argparse
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FAILURES: list[str] = []
END = "--- end of thread dump ---"
TIMEOUT = 60.0  # seconds for any one step (sanitizer builds are slow); a hang fails, never blocks ctest


def check(cond: bool, what: str) -> None:
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILURES.append(what)


class Lines:
    """Line reader over a pipe with a deadline (so a hung bp fails the test instead of hanging it)."""

    def __init__(self, stream) -> None:
        self.fd = stream.fileno()
        self.buf = b""
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.fd, selectors.EVENT_READ)

    def readline(self, timeout: float = TIMEOUT) -> str | None:
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not self.sel.select(left):
                return None
            chunk = os.read(self.fd, 65536)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode()

    def until(self, marker: str) -> list[str] | None:
        lines = []
        while True:
            line = self.readline()
            if line is None:
                return None
            lines.append(line)
            if line == marker:
                return lines


def threads_of(dump: list[str]) -> dict[str, tuple[str, list[str]]]:
    """Thread name -> (state, the lines of its traceback)."""
    out: dict[str, tuple[str, list[str]]] = {}
    name = None
    for line in dump:
        if line.startswith("Thread-") and " [id " in line and "]: " in line:
            head, state = line.split("]: ", 1)
            name = head.rsplit(" [id ", 1)[0]
            out[name] = (state, [])
        elif name and line.startswith("  "):
            out[name][1].append(line)
    return out


STATES = """import thread

let m: Mutex = thread.mutex_new()
let gate: Mutex = thread.mutex_new()
let wake: Condition = thread.cond_new(gate)
let woken: bool = false
let waiting: bool = false
let stop: Atomic = thread.atomic_new(0)
let started: Atomic = thread.atomic_new(0)

def spin() -> int:
    let n: int = 0
    thread.atomic_store(started, 1)
    while thread.atomic_load(stop) == 0:
        n = n + 1
    return 1

def locker() -> int:
    thread.mutex_lock(m)
    thread.mutex_unlock(m)
    return 2

def waiter() -> int:
    thread.mutex_lock(gate)
    waiting = true
    thread.cond_broadcast(wake)
    while not woken:
        thread.cond_wait(wake)
    thread.mutex_unlock(gate)
    return 3

def main() -> int:
    thread.mutex_lock(m)
    let a: Thread = thread.spawn(spin)
    let b: Thread = thread.spawn(locker)
    let c: Thread = thread.spawn(waiter)
    while thread.atomic_load(started) == 0:
        thread.yield()
    thread.mutex_lock(gate)
    while not waiting:
        thread.cond_wait(wake)
    thread.mutex_unlock(gate)
    print("ready")
    let line: str = read_line()
    print("got", line)
    thread.atomic_store(stop, 1)
    thread.mutex_unlock(m)
    thread.mutex_lock(gate)
    woken = true
    thread.cond_broadcast(wake)
    thread.mutex_unlock(gate)
    let ra: int = thread.join(a)
    let rb: int = thread.join(b)
    let rc: int = thread.join(c)
    print("sum", ra + rb + rc)
    return 0
"""

WANT = {
    "Thread-0 (main)": ("blocked in read_line()", {"let line: str = read_line()"}),
    "Thread-1 (spin)": ("running", {"while thread.atomic_load(stop) == 0:", "n = n + 1"}),
    "Thread-2 (locker)": ("blocked in lock of Mutex-1, held by Thread-0 (main)", {"thread.mutex_lock(m)"}),
    "Thread-3 (waiter)": ("waiting on Condition-1", {"thread.cond_wait(wake)"}),
}


def settled(threads: dict[str, tuple[str, list[str]]]) -> bool:
    return all(n in threads and threads[n][0] == s for n, (s, _) in WANT.items())


def states(bp: str, tmp: Path) -> None:
    prog = tmp / "states.bp"
    prog.write_text(STATES)
    proc = subprocess.Popen([bp, str(prog)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    out, err = Lines(proc.stdout), Lines(proc.stderr)
    try:
        check(out.readline() == "ready", "the program signals readiness")
        # The locker may still be on its way into mutex_lock when the first dump is taken (on a
        # loaded machine, for a long time): dump again until every thread shows its blocked state.
        dumps = []
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            proc.send_signal(signal.SIGQUIT)
            dump = err.until(END)
            if dump is None:
                break
            dumps.append(dump)
            if settled(threads_of(dump)):
                break
            time.sleep(0.02)
        # (a thread not yet attached is not listed: the header is checked on the settled dump)
        check(bool(dumps) and dumps[-1][0] == "--- thread dump: 4 threads ---",
              f"the dump starts with its header ({dumps[-1][0] if dumps else 'no dump'!r})")
        threads = threads_of(dumps[-1]) if dumps else {}
        for name, (state, source) in WANT.items():
            got = threads.get(name)
            check(got is not None and got[0] == state, f"{name}: {state!r} (got {got[0] if got else None!r})")
            check(got is not None and any(l.strip() in source for l in got[1]),
                  f"{name}: traceback shows one of {sorted(source)!r}")
            check(got is not None and any(l.startswith('  File "') and ", in " in l for l in got[1]),
                  f"{name}: traceback has a File line")
        # A second SIGQUIT: a second full dump, same threads.
        proc.send_signal(signal.SIGQUIT)
        second = err.until(END)
        check(second is not None and set(threads_of(second)) == set(WANT), "a second SIGQUIT: a second dump")
        proc.stdin.write(b"go\n")
        proc.stdin.close()
        rest = []
        while (line := out.readline()) is not None:
            rest.append(line)
        code = proc.wait(timeout=TIMEOUT)
        check(code == 0, f"the program continues and exits 0 (got {code})")
        check(rest == ["got go", "sum 6"], f"stdout is complete ({rest!r})")
        tail = []
        while (line := err.readline(5)) is not None:
            tail.append(line)
        check(tail == [], f"nothing else on stderr ({tail[:5]!r})")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


GC_STRESS = """import thread

let stop: Atomic = thread.atomic_new(0)
let started: Barrier = thread.barrier_new(4)

def churn(seed: int) -> int:
    thread.barrier_wait(started)
    let rounds: int = 0
    while thread.atomic_load(stop) == 0:
        let xs: [str] = []
        for i in range(20):
            array_push(xs, to_str(i + seed))
        rounds = rounds + 1
    return 1

def short(i: int) -> int:
    let s: str = to_str(i) + "!"
    return len(s)

def spawner() -> int:
    thread.barrier_wait(started)
    let n: int = 0
    while thread.atomic_load(stop) == 0:
        let r: int = thread.join(thread.spawn(short, n))
        n = n + r
    return 1

def main() -> int:
    let ts: [Thread] = [thread.spawn(churn, 1), thread.spawn(churn, 2), thread.spawn(spawner)]
    thread.barrier_wait(started)   # all three are attached and running
    print("ready")
    let line: str = read_line()
    thread.atomic_store(stop, 1)
    let done: int = 0
    for t in ts:
        let r: int = thread.join(t)
        done = done + r
    print("done", done)
    return 0
"""


def gc_stress(bp: str, tmp: Path) -> None:
    prog = tmp / "gc_stress.bp"
    prog.write_text(GC_STRESS)
    proc = subprocess.Popen([bp, "--gc-stress", str(prog)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    out, err = Lines(proc.stdout), Lines(proc.stderr)
    try:
        check(out.readline() == "ready", "the program signals readiness")
        complete = 0
        for _ in range(20):
            proc.send_signal(signal.SIGQUIT)
            dump = err.until(END)
            if dump is None:
                break
            names = threads_of(dump)
            if "Thread-0 (main)" in names and any(n.endswith("(churn)") for n in names):
                complete += 1
            else:
                print("incomplete dump:\n" + "\n".join(dump))
        check(complete == 20, f"20 SIGQUITs during constant collections: 20 complete dumps ({complete})")
        proc.stdin.write(b"go\n")
        proc.stdin.close()
        rest = []
        while (line := out.readline()) is not None:
            rest.append(line)
        code = proc.wait(timeout=TIMEOUT)
        check(code == 0, f"the program continues and exits 0 (got {code})")
        check(rest == ["done 3"], f"stdout is complete ({rest!r})")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


CASES = {"states": states, "gc_stress": gc_stress}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bp", required=True)
    ap.add_argument("cases", nargs="+", choices=sorted(CASES))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        for case in args.cases:
            print(f"== {case}")
            CASES[case](args.bp, Path(d))
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
