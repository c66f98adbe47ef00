#!/usr/bin/env bash
# Builds each fuzzer with libFuzzer, AddressSanitizer and UndefinedBehavior
# sanitizer, runs it for the given seconds on its seed corpus, and prints
# executions and coverage.  Findings land in build/fuzz/<target>/crash-*.
set -euo pipefail

seconds=${1:-60}
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/fuzz
core=$top/ngx_http_phoneval_module

mkdir -p "$out"

for t in json phone answer; do
    bin=$out/fuzz_$t
    clang -g -O1 -fsanitize=fuzzer,address,undefined \
        -fno-sanitize-recover=all -I "$core" -I "$top/t/unit" \
        "$top/fuzz/fuzz_$t.c" "$core"/phoneval_*.c -ljansson -o "$bin"

    work=$out/$t
    mkdir -p "$work/corpus"
    cp -n "$top/fuzz/corpus/$t/"* "$work/corpus/" 2>/dev/null || true

    echo "== fuzz_$t for ${seconds}s"
    (cd "$work" && "$bin" -max_total_time="$seconds" -max_len=65536 \
        -print_final_stats=1 corpus "$top/fuzz/corpus/$t" \
        > "$work/log" 2>&1) || { tail -40 "$work/log"; exit 1; }

    grep -E '^stat::number_of_executed_units|^#[0-9]+ *DONE' "$work/log" \
        | tail -2
done
