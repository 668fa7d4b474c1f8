#!/usr/bin/env bash
# Start-up of a small cargohold command (README, "Start-up"): `cargohold blob ls` on a store of ten
# small blobs, N runs each (default 10, CARGOHOLD_BENCH_RUNS), with
#   launcher   bin/cargohold (Serial GC, C1 only for this command, the AOT cache, the extracted
#              SQLite library)
#   plain      java --enable-native-access=ALL-UNNAMED -cp <the same class path> io.cargohold.cli.Main
#              (no other option: default GC, C1 + C2, no AOT cache)
# Prints each run's wall time in ms and the mean of each. Run bin/build first.
set -euo pipefail
top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
. "$top/bin/lib/jdk.sh"
jdk=$(cargohold_jdk)
runs=${CARGOHOLD_BENCH_RUNS:-10}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
store="$work/store"
for i in $(seq 1 10); do
	printf 'blob %s\n' "$i" > "$work/f$i"
	"$top/bin/cargohold" --root "$store" blob put "$work/f$i" > /dev/null
done
cp="$(<"$top/cargohold-cli/target/classpath")"
ms() { echo $(( $(date +%s%N) / 1000000 )); }
measure() {
	local name=$1 total=0 t0 t1 all=()
	shift
	for i in $(seq 1 "$runs"); do
		t0=$(ms)
		"$@" > /dev/null
		t1=$(ms)
		all+=($((t1 - t0)))
		total=$((total + t1 - t0))
	done
	echo "$name: ${all[*]} ms; mean $((total / runs)) ms"
}
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
measure launcher "$top/bin/cargohold" --root "$store" blob ls
measure plain "$jdk/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" io.cargohold.cli.Main --root "$store" blob ls
