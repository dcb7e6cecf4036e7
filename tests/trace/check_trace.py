#!/usr/bin/env python3
"""Structural checks of `bp --trace` output and of `bp trace-view`'s errors (ctest `trace_json`).

Runs the programs of tests/trace with --trace and checks the Chrome trace-event JSON: valid JSON,
one thread_name per lane, a lifetime event per thread, wait events with file/line of the blocking
source line, GC pauses with their time to safepoint, a trace written also on exit(), an uncaught
error and a fatal deadlock. Then `bp trace-view`'s exit codes and messages.
Usage: check_trace.py PATH/TO/bp
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
    return cond


def run(bp, args, timeout=60):
    return subprocess.run([bp] + args, capture_output=True, text=True, timeout=timeout)


def traced(bp, name, tmp, extra=()):
    out = os.path.join(tmp, name + ".json")
    prog = os.path.join(HERE, name + ".bp")
    r = run(bp, ["--trace", out, *extra, prog])
    try:
        with open(out) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        failures.append(f"{name}: trace not readable JSON: {e}")
        return r, None
    return r, data


def lanes(data):
    """tid -> name (thread_name metadata), checking there is exactly one per tid."""
    names = {}
    for e in data["traceEvents"]:
        if e.get("ph") == "M" and e.get("name") == "thread_name":
            check(e["tid"] not in names, f"two thread_name events for tid {e['tid']}")
            names[e["tid"]] = e["args"]["name"]
    return names


def waits(data):
    return [e for e in data["traceEvents"] if e.get("ph") == "X" and e.get("cat") != "thread"]


def check_common(name, data):
    """Every X event well formed; every lane has a name and one lifetime event; waits inside it."""
    check(isinstance(data.get("traceEvents"), list), f"{name}: no traceEvents array")
    names = lanes(data)
    life = {}
    for e in data["traceEvents"]:
        if e.get("ph") != "X":
            continue
        ok = all(k in e for k in ("name", "cat", "pid", "tid", "ts", "dur"))
        check(ok and e["dur"] >= 0 and e["ts"] >= 0, f"{name}: malformed X event {e}")
        check(e.get("tid") in names, f"{name}: event on a lane without thread_name: {e}")
        if e.get("cat") == "thread":
            check(e["tid"] not in life, f"{name}: two lifetime events for tid {e['tid']}")
            life[e["tid"]] = (e["ts"], e["ts"] + e["dur"])
    check(set(life) == set(names), f"{name}: lanes {sorted(names)} but lifetimes {sorted(life)}")
    for e in waits(data):
        lo, hi = life.get(e["tid"], (0, 0))
        check(lo - 1 <= e["ts"] and e["ts"] + e["dur"] <= hi + 1, f"{name}: event outside its thread's life: {e}")
    return names


def find(data, tid, ev_name):
    return [e for e in waits(data) if e["tid"] == tid and e["name"] == ev_name]


def check_site(name, events, what, line):
    if not check(events, f"{name}: no '{what}' event"):
        return
    sites = [(e["args"].get("file", ""), e["args"].get("line")) for e in events]
    check(any(f.endswith(name + ".bp") and l == line for f, l in sites),
          f"{name}: '{what}' at {sites}, expected one at line {line}")


def check_timeline(bp, tmp):
    r, data = traced(bp, "timeline", tmp)
    check(r.returncode == 0 and r.stdout == "hello\n11\n12000000\n", f"timeline: rc {r.returncode} {r.stdout!r} {r.stderr!r}")
    if not data:
        return
    names = check_common("timeline", data)
    check(names == {0: "Thread-0 (main)", 1: "Thread-1 (locker)", 2: "Thread-2 (waiter)", 3: "Thread-3 (producer)"},
          f"timeline: thread names {names}")
    check_site("timeline", find(data, 1, "mutex lock"), "mutex lock", 13)
    check_site("timeline", find(data, 2, "condition wait"), "condition wait", 20)
    check_site("timeline", find(data, 0, "channel recv"), "channel recv", 50)
    check_site("timeline", find(data, 0, "sleep"), "sleep", 40)
    lock = find(data, 1, "mutex lock")
    check(lock and max(e["dur"] for e in lock) >= 50000, f"timeline: the lock wait is shorter than main's 100 ms hold: {lock}")
    gc = [e for e in waits(data) if e["cat"] == "gc" and e["name"] == "GC pause"]
    if check(gc, "timeline: no GC pause event"):
        a = gc[0]["args"]
        check(0 <= a["time_to_safepoint_us"] <= gc[0]["dur"] + 0.001 and "collect_us" in a,
              f"timeline: GC pause args {a}")
        check(gc[0]["tid"] == 0, "timeline: GC pause not on the collecting (main) thread's lane")


def check_toolkit(bp, tmp):
    r, data = traced(bp, "toolkit", tmp)
    check(r.returncode == 0, f"toolkit: rc {r.returncode} {r.stderr!r}")
    if not data:
        return
    names = check_common("toolkit", data)
    check(names.get(1) == "Thread-1 (pool)", f"toolkit: pool thread lane named {names.get(1)!r}")
    check_site("toolkit", find(data, 0, "future get"), "future get", 25)
    check_site("toolkit", find(data, 0, "select"), "select", 30)
    check_site("toolkit", find(data, 0, "channel send"), "channel send", 39)
    check(find(data, 1, "idle (no task)"), "toolkit: no idle event on the pool thread")


def check_exit(bp, tmp):
    r, data = traced(bp, "exit_blocked", tmp)
    check(r.returncode == 3, f"exit_blocked: rc {r.returncode}")
    if not data:
        return
    check_common("exit_blocked", data)
    recv = find(data, 1, "channel recv")
    check(recv and recv[0]["args"].get("unfinished") is True, f"exit_blocked: the blocked recv is not unfinished: {recv}")
    life = [e for e in data["traceEvents"] if e.get("cat") == "thread" and e["tid"] == 1]
    check(life and life[0]["args"]["finished"] is False, "exit_blocked: the stuck thread's lane is marked finished")


def check_uncaught(bp, tmp):
    r, data = traced(bp, "uncaught", tmp)
    check(r.returncode == 70 and "ValueError: boom" in r.stderr, f"uncaught: rc {r.returncode} {r.stderr!r}")
    if data:
        check_common("uncaught", data)
        check_site("uncaught", find(data, 0, "join"), "join", 11)


def check_deadlock(bp, tmp):
    r, data = traced(bp, "deadlock", tmp)
    check(r.returncode == 70 and "fatal error: deadlock" in r.stderr, f"deadlock: rc {r.returncode}")
    if data:
        check_common("deadlock", data)
        # The thread whose wait completes the deadlock stops before it blocks; the other's wait
        # (main's join or the waiter's condition wait, whichever came first) is unfinished.
        open_waits = [e["name"] for e in waits(data) if e["args"].get("unfinished")]
        check(open_waits in (["join"], ["condition wait"]), f"deadlock: unfinished waits {open_waits}")


def check_write_errors(bp, tmp):
    bad = os.path.join(tmp, "no-such-dir", "t.json")
    r = run(bp, ["--trace", bad, "-c", "def main() -> int:\n    return 0\n"])
    check(r.returncode == 70 and r.stderr.startswith(f"bp: cannot write trace '{bad}': "),
          f"unwritable --trace: rc {r.returncode} {r.stderr!r}")
    r = run(bp, ["--trace"])
    check(r.returncode == 64, f"--trace without FILE: rc {r.returncode}")
    leftovers = [f for f in os.listdir(tmp) if ".tmp." in f]
    check(not leftovers, f"temporary files left behind: {leftovers}")


def check_view_errors(bp, tmp):
    good = os.path.join(tmp, "timeline.json")
    page = os.path.join(tmp, "page.html")
    r = run(bp, ["trace-view", good, "-o", page])
    check(r.returncode == 0 and os.path.getsize(page) > 1000 and r.stderr == "", f"trace-view: rc {r.returncode} {r.stderr!r}")
    with open(page) as f:
        html = f.read()
    check("http://" not in html and "https://" not in html and "<script src" not in html, "trace-view: page not self-contained")
    before = html

    def expect(args, code, message, write=None):
        if write is not None:
            with open(os.path.join(tmp, "in.json"), "w") as f:
                f.write(write)
        r = run(bp, ["trace-view", *args])
        check(r.returncode == code and message in r.stderr, f"trace-view {args}: rc {r.returncode} {r.stderr!r}, want {code} {message!r}")
        with open(page) as f:
            check(f.read() == before, f"trace-view {args}: the existing output was changed")

    bad_in = os.path.join(tmp, "in.json")
    expect([os.path.join(tmp, "missing.json"), "-o", page], 66, "bp trace-view: cannot read '")
    expect([bad_in, "-o", page], 65, "is not valid JSON: line 1, column 24: unexpected end of input", '{"traceEvents": [1, 2] ')
    expect([bad_in, "-o", page], 65, "is not valid JSON: line 2, column 3: expected ',' or ']'", '[1\n  }')
    expect([bad_in, "-o", page], 65, "is not a trace: expected {\"traceEvents\": [...]} or an array of events", '{"x": 1}')
    expect([bad_in, "-o", page], 65, "event 1 is not an object", '[{"ph":"M"}, 3]')
    expect([bad_in, "-o", page], 65, "event 0 (phase \"X\") has no numeric \"ts\"", '[{"ph":"X","name":"a"}]')
    expect([bad_in, "-o", page], 65, "event 0 has no \"ph\" (phase) string", '[{"name":"a"}]')
    expect([bad_in, "-o", page], 65, "nested too deeply", "[" * 1000)
    expect([good], 64, "--output is required")
    expect([good, "-o", os.path.join(tmp, "no-such-dir", "x.html")], 73, "bp trace-view: cannot write '")
    leftovers = [f for f in os.listdir(tmp) if ".tmp." in f]
    check(not leftovers, f"trace-view left temporary files: {leftovers}")


def main():
    bp = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        check_timeline(bp, tmp)
        check_toolkit(bp, tmp)
        check_exit(bp, tmp)
        check_uncaught(bp, tmp)
        check_deadlock(bp, tmp)
        check_write_errors(bp, tmp)
        check_view_errors(bp, tmp)
    for f in failures:
        print("FAIL:", f)
    print("trace checks:", "ok" if not failures else f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
