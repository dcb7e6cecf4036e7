#!/usr/bin/env python3
"""Checks the TextMate grammar (editors/vscode) against real BetterPython code, stdlib only.

A small TextMate interpreter: `match` rules and `begin`/`end` rules with nested `patterns` and
`include`s, the leftmost match winning (ties: the first rule), a stack across lines for multi-line
strings. Every non-blank byte of every .bp file under examples/ must get a named scope
(nothing falls through unhighlighted), every keyword of LANGUAGE.md §2 must be highlighted as a
keyword/storage/constant/variable.language, and the package.json / language-configuration.json
must parse and point at the grammar. Python's `re` stands in for Oniguruma: the grammar keeps to
the common subset (no possessive quantifiers, no \\G, no named backreferences).
"""
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VS = REPO / "editors" / "vscode"
KEYWORDS = ("and as break case catch class continue def default elif else enum export extern false finally fn for "
            "from if import in let match new not or pass ptr return self struct super throw true try while").split()


class Grammar:
    def __init__(self, data):
        self.repo = data["repository"]
        self.top = data["patterns"]
        self.cache = {}

    def expand(self, patterns):
        out = []
        for p in patterns:
            if "include" in p:
                out.extend(self.expand([self.repo[p["include"][1:]]]))
            elif "patterns" in p and "match" not in p and "begin" not in p:
                out.extend(self.expand(p["patterns"]))
            else:
                out.append(p)
        return out

    def rules(self, patterns):
        key = id(patterns)
        if key not in self.cache:
            self.cache[key] = [(p, re.compile(p.get("match") or p["begin"])) for p in self.expand(patterns)]
        return self.cache[key]


def named(rule):
    return bool(rule.get("name") or rule.get("captures") or rule.get("beginCaptures"))


def scan(grammar, text):
    """Yields (line_no, col, char, scope-or-None) for every non-blank char."""
    stack = []  # open begin/end rules
    for no, line in enumerate(text.split("\n"), 1):
        pos = 0
        covered = [None] * len(line)
        while pos < len(line):
            patterns = stack[-1]["patterns"] if stack and "patterns" in stack[-1] else (grammar.top if not stack else [])
            best = None
            for rule, rx in grammar.rules(patterns):
                m = rx.search(line, pos)
                if m and (best is None or m.start() < best[1].start()):
                    best = (rule, m, "open")
            if stack:
                m = re.compile(stack[-1]["end"]).search(line, pos)
                if m and (best is None or m.start() <= best[1].start()):
                    best = (stack[-1], m, "close")
            scope = stack[-1].get("name") if stack else None
            if best is None:
                for i in range(pos, len(line)):
                    covered[i] = scope
                break
            rule, m, kind = best
            for i in range(pos, m.start()):
                covered[i] = scope
            if kind == "close":
                for i in range(m.start(), m.end()):
                    covered[i] = rule.get("name") or "end"
                stack.pop()
            elif "begin" in rule:
                for i in range(m.start(), m.end()):
                    covered[i] = rule.get("name") or "begin"
                stack.append(rule)
            else:
                for i in range(m.start(), m.end()):
                    covered[i] = rule.get("name") or ("captured" if rule.get("captures") else None)
            pos = m.end() if m.end() > pos else pos + 1
        for col, ch in enumerate(line):
            if not ch.isspace():
                yield no, col + 1, ch, covered[col]


def keyword_scope(grammar, word):
    for _, _, _, scope in scan(grammar, word):
        return scope
    return None


def main():
    pkg = json.loads((VS / "package.json").read_text())
    json.loads((VS / "language-configuration.json").read_text())
    gpath = VS / pkg["contributes"]["grammars"][0]["path"]
    grammar = Grammar(json.loads(gpath.read_text()))
    problems = []
    for word in KEYWORDS:
        scope = keyword_scope(grammar, word) or ""
        if not re.match(r"(keyword|storage|constant\.language|variable\.language)", scope):
            problems.append(f"keyword '{word}' highlighted as '{scope}'")
    files = sorted((REPO / "examples").rglob("*.bp"))  # the issue asks for the examples; tests/ holds hostile inputs
    lines = 0
    for f in files:
        text = f.read_text(encoding="utf-8", errors="replace").removeprefix("\ufeff")
        # Programs that are meant to be wrong may use illegal characters; the rest may not.
        may_be_illegal = f.parent.name in ("compile_errors", "lex")
        lines += text.count("\n")
        for no, col, ch, scope in scan(grammar, text):
            if not may_be_illegal and (scope is None or scope.startswith("invalid")):
                problems.append(f"{f.relative_to(REPO)}:{no}:{col}: '{ch}' has no scope")
                break
    for p in problems[:40]:
        print(p)
    print(f"grammar check: {len(files)} files, {lines} lines, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
