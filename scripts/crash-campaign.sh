#!/usr/bin/env bash
# The long crash campaign: every durability policy and phase, SIGKILLed KILLS times in all
# (default 1,050: 150 per campaign), each restart verified (see Tests/StrataTests/CrashTests.swift).
#
#     scripts/crash-campaign.sh [KILLS]
#
# Builds the tests (debug, incremental), runs the CrashTests suite with STRATA_CRASH_KILLS=KILLS and
# prints one summary line per campaign; the full log is in .build/crash-campaign.log.
# STRATA_CRASH_MODES=seal,recovery runs some campaigns only.
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${1:-1050}
swift build --build-tests 2>&1 | tail -3
start=$(date +%s)
status=0
STRATA_CRASH_KILLS="$kills" swift test --skip-build --filter CrashTests >.build/crash-campaign.log 2>&1 || status=$?
grep -E "^crash campaign|✘|error:" .build/crash-campaign.log || true
echo "$(date -u +%Y-%m-%dT%H:%MZ) kills=$kills $(nproc) cores, $(($(date +%s) - start)) s, exit $status ($(tail -1 .build/crash-campaign.log))"
exit $status
