#!/usr/bin/env bash
# Builds the seed corpus of the fuzz targets: every golden test program tests/**/*.bp, copied under a
# flat name (area_name.bp) into DIR (default build/fuzz/corpus/seed). Idempotent.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-$root/build/fuzz/corpus/seed}"
mkdir -p "$dir"
n=0
while IFS= read -r -d '' f; do
    rel="${f#"$root"/tests/}"
    cp -u "$f" "$dir/${rel//\//_}" # -u: a seed already there is not rewritten under a running fuzzer
    n=$((n + 1))
done < <(find -L "$root/tests" -name '*.bp' -print0)
echo "make_corpus: $n seeds in $dir"
