#!/usr/bin/env bash
# The libFuzzer targets (Fuzz/, README.md "Fuzzing"): builds them, then runs each for a bounded time on a scratch copy
# of its corpus in Fuzz/Corpus/<target>/, two at a time. A target that crashes, hangs or breaks an invariant fails
# the run; its input is kept in $TIKTOK_BUSINESS_TEST_ARTIFACTS/fuzz/ (default artifacts/fuzz/) with its log.
#
# Usage: scripts/fuzz.sh [TARGET|all] [SECONDS]   run one target or all of them (default all, 60 s each)
#        scripts/fuzz.sh TARGET FILE...           run these inputs once (reproduces a crash)
#        scripts/fuzz.sh merge [TARGET|all]       add the inputs of the last runs that reach new code to
#                                                 Fuzz/Corpus/<target>/ (then review and commit them)
# Targets: callback-query state envelope proxy-path admin-form settings
#
# Fuzz/ is its own package, built into this package's build folder: its modules are this package's, compiled with
# -sanitize=fuzzer, over the same dependency builds. SwiftPM keeps one build plan per build folder, so the plan is
# dropped before and after (the next `swift build` here plans again, and recompiles this package's modules).
set -euo pipefail
cd "$(dirname "$0")/.."

all_targets=(callback-query state envelope proxy-path admin-form settings)
artifacts="${TIKTOK_BUSINESS_TEST_ARTIFACTS:-$PWD/artifacts}/fuzz"
binary=.build/debug/tiktok-business-fuzz
mkdir -p "$artifacts"
# libFuzzer, not Swift's backtracer, handles a crash: it saves the input that caused it.
export SWIFT_BACKTRACE=enable=no

targets_for() {
    if [[ "${1:-all}" == all ]]; then
        echo "${all_targets[@]}"
    elif [[ " ${all_targets[*]} " == *" $1 "* ]]; then
        echo "$1"
    else
        echo "scripts/fuzz.sh: unknown target '$1' (targets: ${all_targets[*]})" >&2
        exit 2
    fi
}

build() {
    local started=$SECONDS
    rm -f .build/debug.yaml .build/debug/description.json
    swift build --package-path Fuzz --scratch-path .build
    rm -f .build/debug.yaml .build/debug/description.json
    echo "fuzz: built in $((SECONDS - started)) s"
}

# The settings target's dictionary: every variable the settings read, taken from the source so that new ones are in.
settings_dictionary() {
    grep -ohE '"(TIKTOK|LOG)_[A-Z_]+"' Sources/TikTokBusinessService/Settings/*.swift | sort -u |
        sed -E 's/^"(.*)"$/"\1="/'
    printf '"%s"\n' '\x0a' 'sqlite://' 'postgres://' 'https://' '://' '0' '-1' '65535' '1e308' 'inf' 'nan' '0x1p-1074'
}

dictionary_for() {
    local target=$1
    if [[ $target == settings ]]; then
        settings_dictionary > "$artifacts/settings.dict"
        echo "$artifacts/settings.dict"
    elif [[ -f Fuzz/Dictionaries/$target.dict ]]; then
        echo "Fuzz/Dictionaries/$target.dict"
    fi
}

run_target() {
    local target=$1 seconds=$2 scratch="$artifacts/corpus/$1" dictionary
    rm -rf "$scratch"
    mkdir -p "$scratch"
    cp -R "Fuzz/Corpus/$target/." "$scratch/"
    dictionary=$(dictionary_for "$target")
    "$binary" "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$artifacts/$target-" ${dictionary:+-dict="$dictionary"} "$scratch" \
        > "$artifacts/$target.log" 2>&1
}

summary() {
    local target=$1 status=$2 done_line execs
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$artifacts/$target.log" | tail -1 || true)
    execs=$(grep -E '^stat::number_of_executed_units' "$artifacts/$target.log" | awk '{print $2}' || true)
    if [[ $status -eq 0 ]]; then
        echo "fuzz: $target passed: ${execs:-?} inputs;${done_line#*DONE}"
        return
    fi
    local input
    input=$(grep -oE "(Test unit|artifact) written to [^ ]+" "$artifacts/$target.log" | tail -1 |
        awk '{print $NF}' || true)
    echo "fuzz: $target FAILED (exit $status): log $artifacts/$target.log"
    grep -E 'invariant broken|Fatal error|ERROR: libFuzzer|SUMMARY' "$artifacts/$target.log" | head -5 | sed 's/^/    /'
    if [[ -n $input ]]; then
        echo "    input: $input"
        echo "    reproduce: scripts/fuzz.sh $target $input"
    fi
}

merge() {
    local target
    build
    for target in $(targets_for "${1:-all}"); do
        [[ -d "$artifacts/corpus/$target" ]] || continue
        local before after
        before=$(ls "Fuzz/Corpus/$target" | wc -l)
        "$binary" "$target" -merge=1 "Fuzz/Corpus/$target" "$artifacts/corpus/$target" \
            > "$artifacts/$target-merge.log" 2>&1
        after=$(ls "Fuzz/Corpus/$target" | wc -l)
        echo "fuzz: $target corpus $before → $after inputs ($(du -sh "Fuzz/Corpus/$target" | cut -f1))"
    done
}

if [[ "${1:-}" == merge ]]; then
    merge "${2:-all}"
    exit 0
fi

if [[ $# -ge 2 && -f "$2" ]]; then
    targets_for "$1" > /dev/null
    build
    target=$1
    shift
    exec "$binary" "$target" "$@"
fi

targets=($(targets_for "${1:-all}"))
seconds="${2:-60}"
build

# Two at a time (two cores); each runs for $seconds.
started=$SECONDS
declare -A running=()
failed=0
reap() {
    local pid status=0
    wait -n -p pid "${!running[@]}" || status=$?
    summary "${running[$pid]}" "$status"
    [[ $status -eq 0 ]] || failed=1
    unset "running[$pid]"
}
for target in "${targets[@]}"; do
    [[ ${#running[@]} -lt 2 ]] || reap
    run_target "$target" "$seconds" &
    running[$!]=$target
done
while [[ ${#running[@]} -gt 0 ]]; do reap; done
echo "fuzz: ${#targets[@]} target(s) in $((SECONDS - started)) s"
exit "$failed"
