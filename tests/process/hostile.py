#!/usr/bin/env python3
"""Process-level hostile tests for bp (what golden files cannot express): a closed stdout, signals
delivered during garbage collection, and 100 MB source files generated at run time.

    python3 tests/process/hostile.py --bp build/release/bp CASE...

Cases: closed_stdout, signal_during_gc, huge_sources (each a ctest test; see docs/reliability.md).
The rule every case checks: bp never dies of a signal it did not choose to die of (no SIGSEGV, SIGABRT,
SIGPIPE); its exit code is one of the documented ones. Exit status 0 if every check passed.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FAILURES: list[str] = []


def check(cond: bool, what: str) -> None:
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILURES.append(what)


def describe(code: int | None) -> str:
    if code is None:
        return "still running"
    return f"signal {signal.Signals(-code).name}" if code < 0 else f"exit {code}"


def write(tmp: Path, name: str, text: str | bytes) -> Path:
    p = tmp / name
    p.write_bytes(text.encode() if isinstance(text, str) else text)
    return p


PRINT_LOOP = """def main() -> int:
    for i in range(10000000):
        print(i)
    return 0
"""


def closed_stdout(bp: str, tmp: Path) -> None:
    """`bp prog.bp | head -1`: the reader goes away. SIGPIPE is ignored, so print raises IOError
    (uncaught: traceback, exit 70); the process never dies of SIGPIPE."""
    prog = write(tmp, "print_loop.bp", PRINT_LOOP)
    proc = subprocess.Popen([bp, str(prog)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()  # as `head -1` does
    err = proc.stderr.read()
    code = proc.wait(timeout=60)
    check(first == b"0\n", "head -1 read the first line")
    check(code == 70, f"bp | head -1: exit 70 after the broken pipe ({describe(code)})")
    check(b"IOError: cannot write to stdout" in err, "bp | head -1: IOError traceback on stderr")
    # The same through a real shell pipeline, as a user types it.
    sh = subprocess.run(f"'{bp}' '{prog}' | head -1; echo \"status=${{PIPESTATUS[0]}}\"", shell=True,
                        executable="/bin/bash", capture_output=True, timeout=60)
    check(sh.stdout == b"0\nstatus=70\n", f"bash pipeline: {sh.stdout!r}")
    # stdout closed before bp starts (`bp prog.bp >&-`): print fails with EBADF, same outcome.
    code = subprocess.run([bp, str(prog)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          timeout=60, preexec_fn=lambda: os.close(1)).returncode
    check(code == 70, f"bp prog.bp >&-: exit 70 ({describe(code)})")
    # A program that catches the IOError ends normally.
    prog2 = write(tmp, "print_catch.bp", """def main() -> int:
    try:
        for i in range(10000000):
            print(i)
    catch IOError as e:
        return 3
    return 0
""")
    sh = subprocess.run(f"'{bp}' '{prog2}' | head -1 >/dev/null; echo \"${{PIPESTATUS[0]}}\"", shell=True,
                        executable="/bin/bash", capture_output=True, timeout=60)
    check(sh.stdout == b"3\n" and sh.stderr == b"", f"caught IOError: exit 3, quiet ({sh.stdout!r})")


ALLOC_LOOP = """def main() -> int:
    let keep: [[int]] = []
    let i: int = 0
    while true:
        array_push(keep, [i, i + 1, i + 2])
        if len(keep) > 2000:
            keep = []
        i += 1
    return 0
"""


def signal_during_gc(bp: str, tmp: Path) -> None:
    """SIGINT/SIGTERM delivered while a --gc-stress program allocates (so nearly every instant is
    inside a collection): bp installs no handler for them, so the process ends by the signal's
    default action (terminated by that signal), never by SIGSEGV/SIGABRT and never hangs."""
    prog = write(tmp, "alloc_loop.bp", ALLOC_LOOP)
    for sig in (signal.SIGINT, signal.SIGTERM):
        for delay in (0.05, 0.3, 1.0):
            proc = subprocess.Popen([bp, "--gc-stress", str(prog)], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE)
            time.sleep(delay)
            still_running = proc.poll() is None
            proc.send_signal(sig)
            try:
                code = proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                code = proc.wait()
                check(False, f"{sig.name} after {delay}s: bp did not end within 30 s")
                continue
            check(still_running and code == -sig, f"{sig.name} after {delay}s: {describe(code)}")


def huge_sources(bp: str, tmp: Path) -> None:
    """100 MB source files: each either runs or is rejected with a diagnostic (exit 65), within the
    time limit, never a crash. Errors are capped, so garbage does not produce 100 MB of stderr."""
    size = 100 * 1000 * 1000
    cases = []
    body = "# " + "y" * 97 + "\n"
    cases.append(("comments.bp", (body * (size // len(body))) + "def main() -> int:\n    print(1)\n    return 0\n",
                  0, b"1\n"))
    cases.append(("string_literal.bp", 'def main() -> int:\n    let s: str = "' + "x" * size +
                  '"\n    print(len(s))\n    return 0\n', 0, b"%d\n" % size))
    cases.append(("open_parens.bp", "def main() -> int:\n    let x: int = " + "(" * size + "\n", 65, b""))
    cases.append(("garbage.bp", bytes((i * 7919 + 13) % 256 for i in range(1 << 16)) * (size >> 16), 65, b""))
    defs = "".join(f"def f{i}() -> int:\n    return {i}\n" for i in range(60000))
    cases.append(("many_defs.bp", defs + "def main() -> int:\n    print(f59999())\n    return 0\n" +
                  "#" * (size - len(defs)) + "\n", 0, b"59999\n"))
    # Past the bytecode's 16-bit function index: a diagnostic, not a call of the wrong function.
    cases.append(("too_many_defs.bp", "".join(f"def f{i}() -> int:\n    return {i}\n" for i in range(70000)) +
                  "def main() -> int:\n    print(f69999())\n    return 0\n", 65, b""))
    for name, text, want_code, want_out in cases:
        path = write(tmp, name, text)
        del text
        start = time.monotonic()
        try:
            proc = subprocess.run([bp, str(path)], capture_output=True, timeout=120)
        except subprocess.TimeoutExpired:
            check(False, f"{name}: timed out")
            path.unlink()
            continue
        secs = time.monotonic() - start
        mb = path.stat().st_size / 1e6
        path.unlink()
        ok = proc.returncode == want_code and proc.stdout == want_out
        if want_code == 65:
            ok = ok and b"error:" in proc.stderr and len(proc.stderr) < 1_000_000
        check(ok, f"{name} ({mb:.0f} MB): {describe(proc.returncode)} in {secs:.1f} s, "
                  f"stdout {proc.stdout[:40]!r}, stderr {len(proc.stderr)} bytes")


CASES = {"closed_stdout": closed_stdout, "signal_during_gc": signal_during_gc, "huge_sources": huge_sources}


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bp", default="build/release/bp")
    ap.add_argument("cases", nargs="*", default=list(CASES))
    args = ap.parse_args(argv)
    bp = str(Path(args.bp).resolve())
    with tempfile.TemporaryDirectory(prefix="bp-hostile-") as d:
        for name in args.cases:
            print(f"== {name}")
            CASES[name](bp, Path(d))
    print(f"{len(FAILURES)} failed" if FAILURES else "all passed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
