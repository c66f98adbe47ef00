#!/usr/bin/env bash
# Builds each fuzzer with libFuzzer, AddressSanitizer and UndefinedBehavior
# sanitizer, runs it for the given seconds on its seed corpus, and prints
# executions, edges covered (cov), features (ft) and corpus size from
# libFuzzer's final stats.  Findings land in build/fuzz/<target>/crash-*.
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

    # libFuzzer's final status line: "#N DONE cov: C ft: F corp: K/SIZE ..."
    # (the last status line if DONE is missing), and its final stats.
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE ' "$work/log" | tail -1)
    [ -n "$done_line" ] || \
        done_line=$(grep -E '^#[0-9]+[[:space:]]+[A-Z]+ .*cov: ' "$work/log" \
            | tail -1)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" \
        | tail -1)
    [ -n "$execs" ] || execs=$(echo "$done_line" | sed -n 's/^#\([0-9]*\).*/\1/p')
    cov=$(echo "$done_line" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$done_line" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    corp=$(echo "$done_line" | sed -n 's/.* corp: \([0-9]*\)\/\([^ ]*\).*/\1 inputs (\2)/p')
    printf '%s\n' "$done_line"
    printf 'fuzz_%s: executions %s, cov %s edges, ft %s features, corpus %s\n' \
        "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}"
done
