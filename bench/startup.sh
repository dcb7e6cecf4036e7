#!/usr/bin/env bash
# Start-up time: bp running an empty `main`, side by side with lua5.4 and python3 doing nothing.
# Usage: bench/startup.sh [--no-build] [--runs N]
#   --no-build: use the existing interpreter ($BP, default build/release/bp); --runs: hyperfine runs (50).
# Prints, per command, the minimum and mean wall time of N runs (hyperfine -N, 5 warm-ups), then for
# bp the page faults (perf stat, mean of 20 runs) and the instructions of one run (callgrind), each
# when the tool is installed. The figures are in docs/performance.md "Start-up".
set -euo pipefail
cd "$(dirname "$0")/.."

runs=50
build=1
while [ $# -gt 0 ]; do
    case "$1" in
        --no-build) build=0 ;;
        --runs) runs="$2"; shift ;;
        -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
        *) echo "startup.sh: unknown option $1" >&2; exit 64 ;;
    esac
    shift
done

bp="${BP:-build/release/bp}"
if [ $build -eq 1 ]; then
    cmake --preset release >/dev/null
    cmake --build --preset release --target bp
fi
out=build/bench
mkdir -p "$out"
prog="$out/empty_main.bp"
printf 'def main() -> int:\n    return 0\n' > "$prog"
"$bp" "$prog" # exits 0, or this script stops here

python="$(command -v python3)"
# pyenv's shim is a shell script that would be timed too: use the interpreter it points to.
if command -v pyenv >/dev/null 2>&1; then python="$(pyenv which python3 2>/dev/null || echo "$python")"; fi

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (wall times mean little above ~1 per core)"
if ! hyperfine -N -w 5 -r "$runs" --export-json "$out/startup.json" \
    "$bp $prog" 'lua5.4 -e ""' "$python -S -c pass" >"$out/startup.log" 2>&1; then
    cat "$out/startup.log" >&2 # hyperfine's outlier warnings are kept there, not printed
    exit 1
fi
python3 - "$out/startup.json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
print(f"{'command':<48} {'min (ms)':>9} {'mean (ms)':>10} {'user (ms)':>10} {'system (ms)':>12}")
for r in results:
    print(f"{r['command'][-48:]:<48} {r['min'] * 1e3:9.2f} {r['mean'] * 1e3:10.2f} "
          f"{r['user'] * 1e3:10.2f} {r['system'] * 1e3:12.2f}")
PY

if command -v perf >/dev/null 2>&1; then
    for cmd in "$bp $prog" "lua5.4 -e return"; do
        # shellcheck disable=SC2086
        faults=$(perf stat -x, -e page-faults -r 20 $cmd 2>&1 >/dev/null | awk -F, '/page-faults/ {print $1}')
        echo "page faults (mean of 20): ${faults:-?}  $cmd"
    done
fi
if command -v valgrind >/dev/null 2>&1; then
    ir=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bp" "$prog" 2>&1 | awk '/refs:/ {print $NF}')
    echo "instructions (callgrind, one run): $ir  $bp $prog"
fi
