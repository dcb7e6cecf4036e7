#!/usr/bin/env python3
"""Command-line tests for bp (stdlib only): -c, stdin, `bp check`, --diagnostics=json, --version,
--help, bad usage, option placement; and the REPL driven through a pseudo-terminal.
Usage: test_cli.py BP. Each check prints a line; exit 1 if any failed."""
import json
import os
import pty
import select
import subprocess
import sys
import tempfile
import time

BP = os.path.abspath(sys.argv[1])
failures = []


def run(args, stdin=b"", cwd=None):
    p = subprocess.run([BP] + args, input=stdin, capture_output=True, timeout=60, cwd=cwd)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def expect(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else f": {detail}"))
    if not cond:
        failures.append(name)


def cli_tests(tmp):
    good = os.path.join(tmp, "good.bp")
    bad = os.path.join(tmp, "bad.bp")
    with open(good, "w") as f:
        f.write('def main() -> int:\n    print("args:", argv())\n    return 3\n')
    with open(bad, "w") as f:
        f.write('def main() -> int:\n    let x: int = "s"\n    return undefined_name\n')

    r = run([good, "a", "--gc-stats", "-c"])
    expect("file args after FILE go to the program", r[0] == 3 and r[1] == 'args: ["a", "--gc-stats", "-c"]\n', r)
    r = run(["--max-threads=2", good])
    expect("options before FILE", r[0] == 3, r)
    r = run(["--max-heap", "64M", good])
    expect("option value as a separate word", r[0] == 3, r)
    r = run(["-c", 'def main() -> void:\n    print(1 + 2, argv())', "x", "y"])
    expect("-c CODE with args", r == (0, '3 ["x", "y"]\n', ""), r)
    r = run(["-c", "def main() -> void:\n    let x: int = nope"])
    expect("-c compile error names <string>", r[0] == 65 and r[2].startswith("<string>:2:"), r)
    r = run(["-"], stdin=b'def main() -> void:\n    print("from stdin")\n')
    expect("'-' reads the program from stdin", r == (0, "from stdin\n", ""), r)
    r = run([], stdin=b'def main() -> void:\n    print("piped")\n')
    expect("no FILE and piped stdin runs stdin", r == (0, "piped\n", ""), r)
    r = run(["check", good])
    expect("check: clean file exits 0 silently", r == (0, "", ""), r)
    r = run(["check", bad])
    expect("check: errors exit 65 as text", r[0] == 65 and "bad.bp:2:" in r[2] and r[1] == "", r)
    r = run(["check", "--diagnostics=json", bad])
    try:
        diags = json.loads(r[1])
    except ValueError:
        diags = None
    expect("check --diagnostics=json: exit 65, a JSON array", r[0] == 65 and isinstance(diags, list) and len(diags) >= 1, r)
    if diags:
        d = diags[0]
        keys = {"file", "line", "col", "end_line", "end_col", "severity", "message", "notes"}
        expect("json diagnostic fields", set(d) == keys and d["line"] == 2 and d["severity"] == "error"
               and d["file"].endswith("bad.bp") and isinstance(d["notes"], list) and d["end_col"] >= d["col"], d)
    r = run(["check", "--diagnostics=json", good])
    expect("check --diagnostics=json clean: []", r == (0, "[]\n", ""), r)
    r = run(["--diagnostics=json", bad])
    expect("run with --diagnostics=json", r[0] == 65 and json.loads(r[1])[0]["line"] == 2, r)
    r = run(["check", os.path.join(tmp, "missing.bp")])
    expect("check: missing file exits 66", r[0] == 66 and "cannot open" in r[2], r)
    r = run(["check"])
    expect("check without FILE is bad usage", r[0] == 64, r)
    r = run(["--version"])
    expect("--version", r[0] == 0 and r[1].startswith("BetterPython (bp) "), r)
    r = run(["--help"])
    expect("--help", r[0] == 0 and "usage: bp" in r[1] and "--diagnostics" in r[1], r)
    r = run(["--no-such-option", good])
    expect("unknown option exits 64", r[0] == 64 and "usage:" in r[2], r)
    r = run(["--max-heap=12Q", good])
    expect("bad heap size exits 64", r[0] == 64 and "invalid heap size" in r[2], r)
    r = run(["--max-threads=0", good])
    expect("bad thread limit exits 64", r[0] == 64 and "invalid thread limit" in r[2], r)
    r = run(["--diagnostics=xml", good])
    expect("bad diagnostics format exits 64", r[0] == 64, r)
    r = run(["--disasm", good])
    expect("--disasm prints and does not run", r[0] == 0 and "function main" in r[1] and "args: [" not in r[1], r)
    r = run(["--dump-tokens", good])
    expect("--dump-tokens", r[0] == 0 and r[1], r)
    r = run(["--dump-ast", good])
    expect("--dump-ast", r[0] == 0 and r[1], r)
    r = run(["--gc-stats", good])
    expect("--gc-stats", r[0] == 3 and r[2], r)
    expect("--gc-stats summary line", r[2].startswith("gc: ") and " collections, pause total " in r[2], r)
    expect("--gc-stats percentiles", "pause p50 " in r[2] and ", p99 " in r[2] and "time-to-safepoint p50 " in r[2]
           and "mark " in r[2] and " lazily" in r[2], r)
    expect("--gc-stats ends its last line", r[2].endswith(" freed\n"), r)
    r = run(["-c", "def main() -> void:\n    print(1)", "--gc-stats"])
    expect("-c: words after CODE are program args", r == (0, "1\n", ""), r)
    r = run(["--bogus", "-c", "def main() -> void:\n    print(1)"])
    expect("unknown option before -c exits 64", r[0] == 64, r)
    r = run(["--", good, "z"])
    expect("-- ends the options", r[0] == 3 and 'args: ["z"]' in r[1], r)


class Pty:
    def __init__(self, args, env):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execve(BP, [BP] + args, env)
        self.buf = b""

    def read_until(self, token, timeout=30.0):
        end = time.time() + timeout
        while token.encode() not in self.buf:
            left = end - time.time()
            if left <= 0:
                raise TimeoutError(f"waiting for {token!r}; got {self.buf.decode(errors='replace')!r}")
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    data = os.read(self.fd, 4096)
                except OSError:
                    data = b""
                if not data:
                    raise EOFError(self.buf.decode(errors="replace"))
                self.buf += data
        i = self.buf.index(token.encode()) + len(token)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out.decode(errors="replace").replace("\r\n", "\n")

    def send(self, line):
        os.write(self.fd, (line + "\n").encode())

    def close(self):
        # Ctrl-U (clear the line) then Ctrl-D, until the REPL exits: a Ctrl-D typed while the
        # terminal is still in canonical mode (the prompt is out, libedit not yet reading) can be
        # swallowed by the line discipline or leave a byte on the line, and libedit ends only on
        # an empty line. Never wait forever: after 20 s the REPL is killed and the result says so.
        for _ in range(40):
            try:
                os.write(self.fd, b"\x15\x04")
            except OSError:
                pass
            for _ in range(10):
                pid, status = os.waitpid(self.pid, os.WNOHANG)
                if pid:
                    return os.waitstatus_to_exitcode(status)
                time.sleep(0.05)
        os.kill(self.pid, 9)
        _, status = os.waitpid(self.pid, 0)
        tail = self.buf.decode(errors="replace")[-300:]
        return f"killed: no exit after Ctrl-D ({os.waitstatus_to_exitcode(status)}); last output {tail!r}"


def repl_tests(tmp):
    env = dict(os.environ, HOME=tmp, TERM="dumb")
    p = Pty([], env)
    try:
        p.read_until(">>> ")
        steps = [
            ("1 + 2", "3\n"),
            ('"hi" + "!"', "hi!\n"),
            ("let n: int = 40", ""),
            ("n += 2", ""),
            ("n", "42\n"),
            ("def twice(x: int) -> int:", None),
            ("    return x * 2", None),
            ("", ""),
            ("twice(n)", "84\n"),
            ("let greeting: str = \"hello\\tworld\"", ""),
            ("greeting", "hello\tworld\n"),
            ("print(\"side effect\")", "side effect\n"),
            ("undefined_thing + 1", "error"),
            ("n", "42\n"),
            ("[1, 2, 3][5]", "IndexError"),
            ("for i in range(3):", None),
            ("    n += i", None),
            ("", ""),
            ("n", "45\n"),
            ("struct P:", None),
            ("    x: int", None),
            ("", ""),
            ("P{x: n}", "P{x: 45}\n"),
            ("def bad() -> int:", None),
            ('    return "s"', None),
            ("", "error"),
            ("def bad() -> int:", None),         # the failed definition was dropped
            ("    return 1", None),
            ("", ""),
            ("bad() + n", "46\n"),
            ("let n: int = 5", ""),              # redefinition replaces the global
            ("n * 2", "10\n"),
            ("let stamp: str = to_str(n) + \"!\"", ""),
            ("n = 6", ""),
            ("stamp", "5!\n"),                  # an initialiser runs once: its value is carried
            ("let xs: [int] = [1, 2]", ""),
            ("array_push(xs, 3)", ""),
            ("xs", "[1, 2, 3]\n"),              # containers keep their contents between inputs
            ("let m: {str: [float]} = {}", ""),
            ('m["a"] = [1.5, 0.1 + 0.2]', ""),
            ("m", '{"a": [1.5, 0.30000000000000004]}\n'),
            ("let ps: [P] = []", ""),
            ('array_push(ps, P{x: 1 + len(xs)})', ""),
            ("ps", "[P{x: 4}]\n"),
            ("let t: (int, str) = (1, \"a\")", ""),
            ('t = (2, "b\\n")', ""),
            ("t", '(2, "b\\n")\n'),
            ("class Counter:", None),
            ("    count: int", None),
            ("    def __init__(self, start: int) -> void:", None),
            ("        self.count = start", None),
            ("    def bump(self) -> int:", None),
            ("        self.count += 1", None),
            ("        return self.count", None),
            ("", ""),
            ("let f: fn(int) -> int = fn(x: int) -> int: x + 1", ""),
            ("f = twice", ""),
            ("f(new Counter(20).bump())", "42\n"),   # the class and the function value persist
            ("array_push(xs, undefined_thing)", "error"),
            ('m["b"] = [int_to_float(xs[99])]', "IndexError"),
            ("array_push(xs, 4)", ""),               # earlier definitions and values survive errors
            ("xs", "[1, 2, 3, 4]\n"),
            ("m", '{"a": [1.5, 0.30000000000000004]}\n'),
            ("new Counter(len(xs)).bump() + twice(f(1))", "9\n"),
            ("let k: Counter = new Counter(1)", ""),   # class instances are carried by deep copy
            ("k.bump()", "2\n"),
            ("k.bump()", "3\n"),
            ("let ks: [Counter] = [k, k]", ""),         # ...keeping what they share
            ("ks[1].bump() + k.count", "8\n"),
            ("let ys: [int] = xs", ""),
            ("array_push(ys, 5)", ""),
            ("xs", "[1, 2, 3, 4, 5]\n"),
            ("def adder(by: int) -> fn(int) -> int:", None),
            ("    return fn(x: int) -> int: x + by", None),
            ("", ""),
            ("let add3: fn(int) -> int = adder(3)", ""),  # a closure (its captured int) is carried
            ("add3(k.count)", "7\n"),
            ("let lock: Mutex = mutex_new()", ""),      # a handle is re-created for each input
            ("mutex_lock(lock)", ""),
            ("mutex_trylock(lock)", "true\n"),
        ]
        for line, want in steps:
            p.send(line)
            prompt = "... " if want is None else ">>> "
            got = p.read_until(prompt)
            if want is None:
                continue
            # the terminal echoes the line; the output follows it
            body = got[: -len(prompt)]
            # drop the echoed input line: once, or twice when typed ahead of a slow (sanitizer) build
            body = body.lstrip("\n")
            while line and body.startswith(line + "\n"):
                body = body[len(line) + 1:].lstrip("\n")
            if not line:
                body = body.lstrip("\n")
            ok = want in body if want in ("error", "IndexError", "ValueError") else body == want
            expect(f"repl: {line!r}", ok, repr(body))
        code = p.close()
        expect("repl: Ctrl-D exits 0", code == 0, code)
        expect("repl: history saved", os.path.exists(os.path.join(tmp, ".bp_history")))
    except (TimeoutError, EOFError) as e:
        expect("repl session", False, str(e))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        cli_tests(tmp)
        repl_tests(tmp)
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
