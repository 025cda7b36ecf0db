#!/usr/bin/env bash
# Runs a fuzz harness under libFuzzer (with AddressSanitizer) for a while.
#
#     scripts/fuzz.sh <ilp|csv|wal|sealed|all> [seconds, default 600] [libFuzzer options…]
#
# Builds the StrataFuzzing target (and what it uses) in release with -sanitize=fuzzer,address into
# .build-fuzz/, links the harness's entry point (Fuzz/Sources/Fuzz<Harness>/, a
# LLVMFuzzerTestOneInput calling <Harness>Harness.fuzzOne) with swiftc, and runs it on the seed
# corpus Fuzz/Corpus/<harness>/. New inputs go to Fuzz/.work/<harness>/corpus, crashes to
# Fuzz/.work/<harness>/artifacts/ (replay one: Fuzz/.work/bin/Fuzz<Harness> <file>).
# STRATA_FUZZ_SANITIZERS overrides the sanitizers (`fuzzer` alone runs about twice as fast).
set -euo pipefail
cd "$(dirname "$0")/.."
harness=${1:?usage: scripts/fuzz.sh <ilp|csv|wal|sealed|all> [seconds] [libFuzzer options]}
seconds=${2:-600}
shift $(($# >= 2 ? 2 : 1))
case "$harness" in
    ilp) name=ILP ;;
    csv) name=CSV ;;
    wal) name=WAL ;;
    sealed) name=Sealed ;;
    all)
        for each in ilp csv wal sealed; do "$0" "$each" "$seconds" "$@" || true; done
        exit 0
        ;;
    *)
        echo "unknown harness: $harness" >&2
        exit 2
        ;;
esac
sanitizers=${STRATA_FUZZ_SANITIZERS:-fuzzer,address}
swift build -c release --scratch-path .build-fuzz --target StrataFuzzing -Xswiftc "-sanitize=$sanitizers" \
    -Xcc -fsanitize=fuzzer-no-link 2>&1 | tail -1
release=.build-fuzz/$(uname -m)-unknown-linux-gnu/release
mkdir -p Fuzz/.work/bin
objects=()
for module in StrataFuzzing StrataImport Strata StrataEngine StrataCore StrataLineProtocol CStrataSupport; do
    objects+=("$release/$module.build/"*.o)
done
swiftc -O "-sanitize=$sanitizers" -parse-as-library -I "$release/Modules" \
    -Xcc "-fmodule-map-file=$release/CStrataSupport.build/module.modulemap" -Xcc -ISources/CStrataSupport/include \
    "Fuzz/Sources/Fuzz$name/Fuzz$name.swift" "${objects[@]}" -o "Fuzz/.work/bin/Fuzz$name" 2>&1 |
    grep -v "Cannot export local symbol" || true
work="Fuzz/.work/$harness"
mkdir -p "$work/corpus" "$work/artifacts"
echo "fuzzing $harness for $seconds s (crashes go to $work/artifacts/)"
# The Swift runtime's backtracer would hold a crashing process; libFuzzer reports the stack.
export SWIFT_BACKTRACE=enable=no
exec "Fuzz/.work/bin/Fuzz$name" "$work/corpus" "Fuzz/Corpus/$harness" -max_total_time="$seconds" \
    -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$@"
