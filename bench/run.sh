#!/usr/bin/env bash
# Single-thread benchmarks: BetterPython against Lua 5.4, LuaJIT's interpreter (-joff) and CPython 3
# on identical programs.
# Usage: bench/run.sh [--quick] [--no-build] [FILTER]
#   --quick: 2 runs, no warm-up; --no-build: use the existing interpreter ($BP, default build/release/bp);
#   FILTER: run only the benchmarks whose name contains it.
# Builds the release preset, checks that every version prints the recorded checksum (NAME.expected),
# times the versions with hyperfine, prints a table of minimum times and ratios and draws the ratios
# as bench/results.svg. LuaJIT runs bench/luajit/NAME.lua when the 5.4 program uses 5.4-only syntax.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=5
warmup=1
filter=""
build=1
for arg in "$@"; do
    case "$arg" in
        --quick) runs=2; warmup=0 ;;
        --no-build) build=0 ;;
        -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
        -*) echo "run.sh: unknown option $arg" >&2; exit 64 ;;
        *) filter="$arg" ;;
    esac
done

bp="${BP:-build/release/bp}"
if [ $build -eq 1 ]; then
    cmake --preset release >/dev/null
    cmake --build --preset release
fi
out=build/bench
mkdir -p "$out"

all=(fib loops primes sieve array_sum strings maps bigmap chars nbody binary_trees methods)
selected=()
for name in "${all[@]}"; do
    if [[ -z "$filter" || "$name" == *"$filter"* ]]; then selected+=("$name"); fi
done
if [ ${#selected[@]} -eq 0 ]; then
    echo "run.sh: no benchmark matches '$filter'" >&2
    exit 64
fi

luajit_file() { if [ -f "bench/luajit/$1.lua" ]; then echo "bench/luajit/$1.lua"; else echo "bench/$1.lua"; fi; }

# A wrong answer is not a benchmark: every version must print the recorded output.
status=0
timed=()
for name in "${selected[@]}"; do
    ok=1
    for cmd in "$bp bench/$name.bp" "lua5.4 bench/$name.lua" "luajit -joff $(luajit_file "$name")" "python3 bench/$name.py"; do
        # shellcheck disable=SC2086  # the commands are split on spaces, as hyperfine --shell=none does
        if ! actual=$($cmd 2>&1) || [ "$actual" != "$(cat "bench/$name.expected")" ]; then
            echo "run.sh: $name: '$cmd' did not print bench/$name.expected:" >&2
            printf '%s\n' "$actual" | head -n 20 >&2
            ok=0
        fi
    done
    if [ $ok -eq 1 ]; then timed+=("$name"); else status=1; fi
done

for name in "${timed[@]}"; do
    rm -f "$out/$name.json"
    hyperfine --shell=none --warmup "$warmup" --runs "$runs" --export-json "$out/$name.json" \
        -n bp "$bp bench/$name.bp" -n lua "lua5.4 bench/$name.lua" \
        -n luajit "luajit -joff $(luajit_file "$name")" -n python "python3 bench/$name.py"
done

if [ ${#timed[@]} -gt 0 ]; then
    python3 bench/report.py --svg bench/results.svg "$out" "${timed[@]}"
fi
exit $status
