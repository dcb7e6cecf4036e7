#!/usr/bin/env python3
"""`bp trace-view` in a real browser (ctest `trace_view_chromium`): traces tests/trace/timeline.bp,
writes the page, loads it in headless Chromium, takes a screenshot and dumps the DOM the page's
script built: one .lane element per thread, each labelled with the thread's name, with bars.
Chromium is required (scripts/setup.sh installs Debian's `chromium`): without it the test FAILS.
Usage: check_view.py PATH/TO/bp [SCREENSHOT.png]
"""
import html.parser
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


class Lanes(html.parser.HTMLParser):
    """Collects the .lane elements: their data-tid, label text and number of .bar children."""

    def __init__(self):
        super().__init__()
        self.lanes = []
        self.in_label = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if "lane" in classes:
            self.lanes.append({"tid": a.get("data-tid"), "label": "", "bars": 0})
        elif "label" in classes and self.lanes:
            self.in_label = True
        elif "bar" in classes and self.lanes:
            self.lanes[-1]["bars"] += 1

    def handle_endtag(self, tag):
        self.in_label = False

    def handle_data(self, data):
        if self.in_label and self.lanes:
            self.lanes[-1]["label"] += data


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def main():
    bp = sys.argv[1]
    browser = chromium()
    if not browser:
        print("FAIL: chromium not found (install Debian's chromium package: scripts/setup.sh)")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        trace = os.path.join(tmp, "t.json")
        page = os.path.join(tmp, "t.html")
        shot = sys.argv[2] if len(sys.argv) > 2 else os.path.join(tmp, "t.png")
        r = subprocess.run([bp, "--trace", trace, os.path.join(HERE, "timeline.bp")], capture_output=True, timeout=60)
        if r.returncode != 0:
            print("FAIL: bp --trace:", r.returncode, r.stderr)
            return 1
        with open(trace) as f:
            names = {e["tid"]: e["args"]["name"] for e in json.load(f)["traceEvents"] if e.get("name") == "thread_name"}
        r = subprocess.run([bp, "trace-view", trace, "-o", page], capture_output=True, timeout=60)
        if r.returncode != 0:
            print("FAIL: bp trace-view:", r.returncode, r.stderr)
            return 1
        flags = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                 f"--user-data-dir={os.path.join(tmp, 'profile')}"]
        url = "file://" + page
        r = subprocess.run(flags + [f"--screenshot={shot}", "--window-size=1400,500", url],
                           capture_output=True, timeout=120)
        failures = []
        if r.returncode != 0 or not os.path.exists(shot) or os.path.getsize(shot) < 2000:
            failures.append(f"no screenshot (rc {r.returncode}): {r.stderr.decode(errors='replace')[-500:]}")
        else:
            with open(shot, "rb") as f:
                if f.read(8) != b"\x89PNG\r\n\x1a\n":
                    failures.append("the screenshot is not a PNG")
        r = subprocess.run(flags + ["--dump-dom", url], capture_output=True, timeout=120)
        parser = Lanes()
        parser.feed(r.stdout.decode(errors="replace"))
        got = {int(l["tid"]): l["label"] for l in parser.lanes if l["tid"] is not None}
        if len(parser.lanes) != len(names) or got != names:
            failures.append(f"lanes in the rendered page {got}, expected one per thread {names}")
        if not all(l["bars"] > 0 for l in parser.lanes):
            failures.append(f"a lane without bars: {parser.lanes}")
    for f in failures:
        print("FAIL:", f)
    print("trace-view in chromium:", "ok" if not failures else f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
