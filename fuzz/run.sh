#!/usr/bin/env bash
# Runs one libFuzzer target for a while: fuzz/run.sh TARGET SECONDS [extra libFuzzer options...]
#   TARGET: parse | check | compile (fuzz_parse, ... built by the `fuzz` preset)
# Builds the target if needed, seeds the corpus from the golden tests, and fuzzes with the dictionary
# fuzz/bp.dict. The growing corpus lives in build/fuzz/corpus/TARGET (kept between runs); crashes,
# hangs (over 10 s per input), leaks and sanitizer reports are written to build/fuzz/artifacts/ and
# make the script exit non-zero. Runs under `nice` with one job: the machine is shared. Several targets
# may run at once.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${1:?usage: fuzz/run.sh parse|check|compile SECONDS}"
seconds="${2:?usage: fuzz/run.sh parse|check|compile SECONDS}"
shift 2
case "$target" in parse|check|compile) ;; *) echo "run.sh: unknown target '$target'" >&2; exit 2 ;; esac
build="$root/build/fuzz"
# Several targets may be fuzzed at once (.ci/run runs two): one build and one seeding at a time.
mkdir -p "$build"
(
    flock 9
    if [ ! -f "$build/CMakeCache.txt" ]; then (cd "$root" && cmake --preset fuzz >/dev/null); fi
    (cd "$root" && cmake --build --preset fuzz --target "fuzz_$target" >/dev/null)
    "$root/fuzz/make_corpus.sh" "$build/corpus/seed" >/dev/null
) 9>"$build/.run.lock"
mkdir -p "$build/corpus/$target" "$build/artifacts"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
exec nice -n 10 "$build/fuzz/fuzz_$target" -dict="$root/fuzz/bp.dict" -max_total_time="$seconds" \
    -timeout=10 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
    -artifact_prefix="$build/artifacts/$target-" "$@" "$build/corpus/$target" "$build/corpus/seed"
