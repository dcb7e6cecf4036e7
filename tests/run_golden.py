#!/usr/bin/env python3
"""Golden-test runner for BetterPython (stdlib only).

A test is tests/<area>/<name>.bp with its expectations beside it:
  <name>.out   expected stdout, byte for byte (required; --update creates it)
  <name>.err   expected stderr, byte for byte, after the test's path is replaced by the literal $FILE
               (absent: stderr must be empty)
  <name>.code  expected exit code (absent: 0)
  <name>.args  program arguments, one per line
  <name>.in    stdin (absent: stdin is empty)
  <name>.env   extra environment variables, KEY=VALUE per line (BETTERPYTHON_PATH is unset unless given here)
  <name>.slow  marker: skipped with --skip-slow (implied by BP_GC_STRESS=1), for tests quadratic under stress
  <name>.opts  interpreter options, one per line, placed before the file name after any --bp-arg
  <name>.nothreads  one-line reason: not run with --parallel-main (a NOTHREADS file marks a directory)
The interpreter runs with cwd = the test's directory and the bare file name as its argument, so tracebacks
print File "name.bp" and compile errors name.bp:line:col. Files whose name starts with `_` are helpers, not tests.
A directory holding a file named SKIP is skipped (its tests wait for a later feature) unless --include-threads.
See docs/testing.md.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import difflib
import os
import subprocess
import sys
import time
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parent
REPO_DIR = TESTS_DIR.parent
MAX_DIFF_LINES = 120
# Extra environment for every test: builtins/getenv.bp reads it.
TEST_ENV = {"BP_TEST_ENV": "golden"}


class Test:
    def __init__(self, path: Path):
        self.path = path
        rel = path.relative_to(TESTS_DIR) if path.is_relative_to(TESTS_DIR) else Path(path.name)
        self.id = rel.with_suffix("").as_posix()

    def sibling(self, ext: str) -> Path:
        return self.path.with_suffix(ext)


class Result:
    def __init__(self, test: Test):
        self.test = test
        self.ok = False
        self.problems: list[str] = []  # human-readable failure report
        self.stdout = b""
        self.stderr = b""
        self.code = None
        self.crashed = False  # timeout, signal or missing interpreter: never a valid expectation
        self.seconds = 0.0


def parse_args(argv):
    p = argparse.ArgumentParser(description="Run the BetterPython golden tests.")
    p.add_argument("--bp", default=str(REPO_DIR / "build" / "release" / "bp"),
                   help="interpreter to test (default: build/release/bp)")
    p.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1, help="parallel tests (default: nproc)")
    p.add_argument("--update", action="store_true", help="rewrite the expectation files from the actual output")
    p.add_argument("--filter", action="append", default=[],
                   help="run only tests whose id (area/name) contains SUBSTR (repeatable: any matches)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per test (default: 30)")
    p.add_argument("--bp-arg", action="append", default=[], metavar="ARG",
                   help="extra interpreter option placed before the file name (repeatable)")
    p.add_argument("--skip-slow", action="store_true",
                   help="skip tests marked with a <name>.slow file (used by the gc-stress preset)")
    p.add_argument("--include-threads", action="store_true",
                   help="also run directories marked with a SKIP file (tests/threads)")
    p.add_argument("--parallel-main", type=int, default=0, metavar="N",
                   help="run every test's main in N threads at once (bp --parallel-main N), skipping tests "
                        "marked with <name>.nothreads or a NOTHREADS directory file")
    p.add_argument("--verbose", "-v", action="store_true", help="list every test with its result and time")
    p.add_argument("paths", nargs="*", help="test files or directories (default: all of tests/)")
    args = p.parse_args(argv)
    if os.environ.get("BP_GC_STRESS") == "1":
        args.skip_slow = True  # every bp collects at every safepoint (docs/testing.md): .slow tests are quadratic
    return args


def is_skipped_dir(d: Path) -> bool:
    while True:
        if (d / "SKIP").exists():
            return True
        if d == TESTS_DIR or d.parent == d:
            return False
        d = d.parent


def has_nothreads_marker(f: Path) -> bool:
    if f.with_suffix(".nothreads").exists():
        return True
    d = f.parent
    while True:
        if (d / "NOTHREADS").exists():
            return True
        if d == TESTS_DIR or d.parent == d:
            return False
        d = d.parent


def discover(args) -> tuple[list[Test], list[Test]]:
    roots = [Path(p).absolute() for p in args.paths] or [TESTS_DIR]
    files: set[Path] = set()
    for r in roots:
        if not r.exists():
            print(f"run_golden: no such test file or directory: {r}", file=sys.stderr)
            sys.exit(2)
        if r.is_file():
            files.add(r)
        else:
            files.update(r.rglob("*.bp"))
    tests, skipped = [], []
    for f in sorted(files):
        if f.name.startswith("_"):
            continue
        t = Test(f)
        if args.filter and not any(s in t.id for s in args.filter):
            continue
        slow = args.skip_slow and t.sibling(".slow").exists()
        if args.parallel_main and has_nothreads_marker(f):
            args.nothreads_skipped += 1
            continue
        (skipped if slow or (is_skipped_dir(f.parent) and not args.include_threads) else tests).append(t)
    return tests, skipped


def read_bytes(p: Path):
    return p.read_bytes() if p.exists() else None


def normalise_stderr(err: bytes, test: Test) -> bytes:
    err = err.replace(str(test.path).encode(), b"$FILE")
    return err.replace(test.path.name.encode(), b"$FILE")


def diff(label: str, expected: bytes, actual: bytes) -> str:
    exp = expected.decode("utf-8", "backslashreplace").splitlines(keepends=True)
    act = actual.decode("utf-8", "backslashreplace").splitlines(keepends=True)
    lines = []
    for line in difflib.unified_diff(exp, act, f"expected {label}", f"actual {label}"):
        if not line.endswith("\n"):
            line += "\n\\ No newline at end of file\n"
        lines.append(line)
    if not lines:  # differ only in bytes that decode the same
        return f"--- {label}: bytes differ ({expected!r} vs {actual!r})\n"
    if len(lines) > MAX_DIFF_LINES:
        lines = lines[:MAX_DIFF_LINES] + [f"... ({len(lines) - MAX_DIFF_LINES} more diff lines)\n"]
    return "".join(lines)


def run_one(test: Test, args) -> Result:
    res = Result(test)
    argfile = test.sibling(".args")
    prog_args = argfile.read_text().splitlines() if argfile.exists() else []
    infile = test.sibling(".in")
    stdin = infile.read_bytes() if infile.exists() else b""
    optfile = test.sibling(".opts")
    bp_opts = [o for o in optfile.read_text().splitlines() if o] if optfile.exists() else []
    parallel = ["--parallel-main", str(args.parallel_main)] if args.parallel_main else []
    cmd = [args.bp, *parallel, *args.bp_arg, *bp_opts, test.path.name, *prog_args]
    env = dict(os.environ, **TEST_ENV)
    env.pop("BETTERPYTHON_PATH", None)  # module search must not depend on the caller's setting
    envfile = test.sibling(".env")
    if envfile.exists():
        for line in envfile.read_text().splitlines():
            if line.strip():
                key, _, value = line.partition("=")
                env[key] = value
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, cwd=test.path.parent, input=stdin, capture_output=True,
                              timeout=args.timeout, env=env)
    except subprocess.TimeoutExpired as e:
        res.crashed = True
        res.problems.append(f"timed out after {args.timeout:g} s\n")
        res.stdout, res.stderr = e.stdout or b"", e.stderr or b""
        res.seconds = time.monotonic() - start
        return res
    except OSError as e:
        res.crashed = True
        res.problems.append(f"cannot run {args.bp}: {e}\n")
        return res
    res.seconds = time.monotonic() - start
    res.stdout, res.code = proc.stdout, proc.returncode
    res.stderr = normalise_stderr(proc.stderr, test)
    if res.code < 0:
        res.crashed = True
        res.problems.append(f"killed by signal {-res.code}\n")
    if args.update:
        res.ok = not res.crashed
        return res

    exp_out = read_bytes(test.sibling(".out"))
    exp_err = read_bytes(test.sibling(".err")) or b""
    code_file = test.sibling(".code")
    exp_code = int(code_file.read_text().strip()) if code_file.exists() else 0
    if exp_out is None:
        res.problems.append("no .out file (write the expectations, or run with --update)\n")
    elif res.stdout != exp_out:
        res.problems.append(diff("stdout", exp_out, res.stdout))
    if res.stderr != exp_err:
        res.problems.append(diff("stderr", exp_err, res.stderr))
    if res.code != exp_code and res.code >= 0:
        res.problems.append(f"exit code: expected {exp_code}, got {res.code}\n")
    res.ok = not res.problems
    return res


def write_expectations(res: Result):
    t = res.test
    t.sibling(".out").write_bytes(res.stdout)
    for ext, content in ((".err", res.stderr), (".code", b"%d\n" % res.code if res.code else b"")):
        p = t.sibling(ext)
        if content:
            p.write_bytes(content)
        elif p.exists():
            p.unlink()


def main(argv) -> int:
    args = parse_args(argv)
    bp = Path(args.bp)
    if not (bp.is_file() and os.access(bp, os.X_OK)):
        print(f"run_golden: interpreter not found or not executable: {args.bp}", file=sys.stderr)
        return 2
    args.bp = str(bp.resolve())
    args.nothreads_skipped = 0
    if args.update and args.parallel_main:
        print("run_golden: --update and --parallel-main do not mix", file=sys.stderr)
        return 2
    tests, skipped = discover(args)
    if not tests:
        print("run_golden: no tests selected", file=sys.stderr)
        return 2

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda t: run_one(t, args), tests))

    failed = [r for r in results if not r.ok]
    for r in results:
        if args.verbose:
            print(f"{'PASS' if r.ok else 'FAIL'} {r.test.id} ({r.seconds:.2f} s)")
        if args.update and r.ok:
            write_expectations(r)
    for r in failed:
        rel = r.test.path.relative_to(REPO_DIR) if r.test.path.is_relative_to(REPO_DIR) else r.test.path
        parallel = ["--parallel-main", str(args.parallel_main)] if args.parallel_main else []
        print(f"\n=== FAIL {r.test.id}  (cd {rel.parent} && {args.bp} {' '.join(parallel + args.bp_arg + [rel.name])})")
        for p in r.problems:
            sys.stdout.write(p)
    if skipped:
        dirs = sorted({t.id.rpartition("/")[0] for t in skipped})
        print(f"\nskipped {len(skipped)} tests in {', '.join(d + '/' for d in dirs)} (SKIP file; --include-threads)")
    if args.nothreads_skipped:
        print(f"skipped {args.nothreads_skipped} tests marked .nothreads/NOTHREADS (--parallel-main)")
    if args.update:
        print(f"updated {len(results) - len(failed)} tests; {len(failed)} not updated (crash or timeout)")
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
