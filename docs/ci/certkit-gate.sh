#!/usr/bin/env bash
# Gate a firmware build on certkit: certify the device, keep the reports, compare with the
# baseline (the results.json of the last released firmware), fail on a regression.
#
#   CERTKIT_DEVICE    device URL (default emulator:), e.g. serial:/dev/ttyUSB0?baud=921600
#   CERTKIT_PROFILE   profile to certify with (default standard)
#   CERTKIT_PERF      performance profile (default performance; empty to skip)
#   CERTKIT_BASELINE  folder with the baseline's results (default certkit-baseline):
#                     certify/results.json and performance/results.json
#   CERTKIT_OUT       where the reports go (default certkit-out), to keep as an artifact
#   CERTKIT_MAX_REGRESSION  allowed slowdown beyond the noise, percent (default 10)
#
# Exit status: 0 pass; 1 a case failed or something regressed; 2 a run ended in error or
# incomplete; 3 usage or configuration error (certkit's own codes).
set -uo pipefail

device=${CERTKIT_DEVICE:-emulator:}
profile=${CERTKIT_PROFILE:-standard}
perf_profile=${CERTKIT_PERF-performance}
baseline=${CERTKIT_BASELINE:-certkit-baseline}
out=${CERTKIT_OUT:-certkit-out}
max_regression=${CERTKIT_MAX_REGRESSION:-10}

status=0
worst() { if [ "$1" -gt "$status" ]; then status=$1; fi; }

runs=(certify)
[ -n "$perf_profile" ] && runs+=(performance)
for run in "${runs[@]}"; do
    if [ "$run" = certify ]; then name=$profile; else name=$perf_profile; fi
    rm -rf "$out/$run"
    certkit run --device "$device" --profile "$name" --out "$out/$run"
    code=$?
    # 1 (a case failed) gates; 2 (error, incomplete) and 3 (configuration) gate harder
    worst "$code"
    if [ "$code" -ge 2 ]; then
        echo "certkit-gate: $run run ended with status $code; not comparing" >&2
        continue
    fi
    if [ -f "$baseline/$run/results.json" ]; then
        certkit compare --max-regression "$max_regression" \
            "$baseline/$run/results.json" "$out/$run/results.json" | tee "$out/$run/compare.txt"
        worst "${PIPESTATUS[0]}"
        certkit compare --format markdown --max-regression "$max_regression" \
            "$baseline/$run/results.json" "$out/$run/results.json" > "$out/$run/compare.md"
    else
        echo "certkit-gate: no baseline $baseline/$run/results.json; nothing to compare" >&2
    fi
done
exit "$status"
