#!/usr/bin/env bash
# Issue 7: containers-storage start-up and upstream's BATS suite.
#  1. start-up: `layers` and `status` on an empty store (one process per run) next to `true` and `java -version`
#     (and upstream's binary when $CS_UPSTREAM is set), with hyperfine when installed, else a loop;
#  2. the BATS suite's wall time against bin/containers-storage (and against $CS_UPSTREAM), when
#     shared/tools/cstorage-bats can find upstream's v1.43.0 source snapshot (it prints
#     "cstorage-bats: no snapshot ..." otherwise and the figure is skipped).
# Build first (bin/build). Knobs: RUNS (default 30), CSTORAGE_BENCH_BATS=0 to skip the suite,
# CARGOHOLD_BENCH_TMPDIR (default /tmp).
set -uo pipefail
top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
. "$top/bin/lib/jdk.sh"
jdk=$(cargohold_jdk) || exit 1
runs=${RUNS:-30}
bats_tool=${CSTORAGE_BATS:-$top/../shared/tools/cstorage-bats}
cs="$top/bin/containers-storage"
up=${CS_UPSTREAM:-}
work=$(mktemp -d "${CARGOHOLD_BENCH_TMPDIR:-/tmp}/cstorage-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "== containers-storage benchmark, $(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
ours=("$cs" --storage-driver vfs -g "$work/g" -R "$work/r" layers)
"${ours[@]}" >/dev/null || echo "(our layers failed: figures below are for the failure path)"
# status opens the store too (and exists before the layer commands do)
cmds=("true" "$jdk/bin/java -version" "${ours[*]}" "$cs --storage-driver vfs -g $work/g -R $work/r status")
if [ -n "$up" ] && [ -x "$up" ]; then
	"$up" --storage-driver vfs -g "$work/ug" -R "$work/ur" layers >/dev/null
	cmds+=("$up --storage-driver vfs -g $work/ug -R $work/ur layers")
fi
echo "-- start-up: $runs runs each"
if command -v hyperfine >/dev/null; then
	hyperfine -N -i -w 3 -r "$runs" "${cmds[@]}" 2>&1 | grep -E '^Benchmark|Time \(mean|Range'
else
	for c in "${cmds[@]}"; do
		s=$(date +%s%N)
		for _ in $(seq "$runs"); do $c >/dev/null 2>&1; done
		e=$(date +%s%N)
		echo "$c: $(( (e - s) / runs / 1000000 )) ms per run"
	done
fi
if [ "${CSTORAGE_BENCH_BATS:-1}" = 0 ]; then
	exit 0
fi
bats_run() { # label binary
	local s e out
	s=$(date +%s%N)
	out=$("$bats_tool" "$2" 2>&1 | tail -n 1)
	e=$(date +%s%N)
	echo "$1: $out, $(( (e - s) / 1000000 )) ms wall"
}
if [ ! -x "$bats_tool" ]; then
	echo "-- BATS: skipped (no shared/tools/cstorage-bats next to the repository)"
	exit 0
fi
echo "-- upstream's BATS suite (57 tests)"
bats_run "bin/containers-storage" "$cs"
if [ -n "$up" ] && [ -x "$up" ]; then
	bats_run "upstream v1.43.0" "$up"
fi
