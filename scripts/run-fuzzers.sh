#!/usr/bin/env bash
# Runs the libFuzzer targets built in BUILD_DIR (cpp/fuzz/, see the Makefile's `fuzz` and `fuzz-smoke`), each for
# SECONDS, JOBS at a time, and prints one line per target: executions, corpus files and size. Exits non-zero
# when a target crashed or broke one of its properties (its input is saved as BUILD_DIR/fuzz/artifacts/<target>-crash-*
# and its log printed).
# Usage: scripts/run-fuzzers.sh BUILD_DIR SECONDS [TARGET...]   (default: every fuzz_* target)
# The corpus each target grows is kept in BUILD_DIR/fuzz/corpus/<target> between runs, so runs build on each
# other; the seeds (spec/vectors, cpp/fuzz/seeds/<target>) are read, never written.
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1 seconds=$2
shift 2
fuzz="$build/fuzz"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in "$fuzz"/fuzz_*; do [ -x "$f" ] && targets+=("$(basename "$f")"); done
fi
jobs=${JOBS:-2}
export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-/usr/lib/llvm-16/bin/llvm-symbolizer}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
mkdir -p "$fuzz/artifacts" "$fuzz/logs"

run_one() {
  local t=$1 args=()
  mkdir -p "$fuzz/corpus/$t"
  args+=("$fuzz/corpus/$t")
  [ -d "$fuzz/seeds/$t" ] && args+=("$fuzz/seeds/$t")         # generated from spec/vectors
  [ -d "cpp/fuzz/seeds/$t" ] && args+=("cpp/fuzz/seeds/$t")   # committed (HTTP heads, regressions)
  case $t in
    fuzz_ingress_head|fuzz_target_response_head) args+=(-dict=cpp/fuzz/dict/http.dict) ;;
    fuzz_v1_codec) args+=(-dict=cpp/fuzz/dict/v1.dict) ;;
  esac
  # -timeout: one input may take at most 10 s (a hang is a finding); -rss_limit_mb: ASan's quarantine needs
  # room, a leak that grows past 2 GiB is a finding.
  "$fuzz/$t" "${args[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$fuzz/artifacts/$t-" >"$fuzz/logs/$t.log" 2>&1
}

pids=() names=()
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 1; done
  run_one "$t" & pids+=($!) names+=("$t")
done
failed=0
for i in "${!pids[@]}"; do
  t=${names[$i]}
  if wait "${pids[$i]}"; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$fuzz/logs/$t.log")
    files=$(find "$fuzz/corpus/$t" -type f | wc -l)
    size=$(du -sh --apparent-size "$fuzz/corpus/$t" | cut -f1)
    printf '%-28s ok  %12s executions in %ss, corpus %6s files (%s)\n' "$t" "$runs" "$seconds" "$files" "$size"
  else
    failed=1
    printf '%-28s FAILED (log: %s)\n' "$t" "$fuzz/logs/$t.log"
    grep -v -E '^#[0-9]+|Uses: ' "$fuzz/logs/$t.log" | tail -60
  fi
done
exit $failed
