#!/usr/bin/env bash
# Issue 5: create/delete of N layers and images (records only) and listing at M records, with our
# library in one JVM; then, when an upstream containers-storage v1.43.0 binary is given
# ($CS_UPSTREAM, built locally from the public source; never committed), the same listing by
# upstream's binary on the very store we wrote (which also checks that upstream reads it), and
# create/delete of N layers and images through upstream's CLI (one process per operation, as
# scripts use it).
#   N (default 1000), M (default 10000), CARGOHOLD_BENCH_TMPDIR (default /tmp)
set -euo pipefail
top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
. "$top/bin/lib/jdk.sh"
export JAVA_HOME=$(cargohold_jdk)
n=${N:-1000}
m=${M:-10000}
work=$(mktemp -d "${CARGOHOLD_BENCH_TMPDIR:-/tmp}/cargohold-storage-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
(cd "$top" && mvn -B -q package -DskipTests -pl cargohold-bench -am)
cp="$(ls "$top"/cargohold-bench/target/cargohold-bench-*.jar | head -n1)"
for j in "$top"/cargohold-bench/target/lib/*.jar; do cp="$cp:$j"; done
echo "== cargohold storage benchmark, $(date -u +%FT%TZ), $(nproc) cores, N=$n M=$m"
echo "-- cargohold library (one JVM, Store API; every write fsyncs and rewrites the record file as upstream does)"
"$JAVA_HOME/bin/java" -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED -cp "$cp" io.cargohold.bench.StorageBench \
	"$work/g" "$work/r" "$n" "$m"
up=${CS_UPSTREAM:-}
if [ -z "$up" ] || [ ! -x "$up" ]; then
	echo "-- upstream: skipped (set CS_UPSTREAM to a containers-storage v1.43.0 binary built locally)"
	exit 0
fi
cs=("$up" --storage-driver vfs -g "$work/g" -R "$work/r")
t() { local s e; s=$(date +%s%N); "$@" > /dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
echo "-- upstream containers-storage v1.43.0 on the store cargohold wrote ($m layers, $m images)"
for round in 1 2 3; do
	echo "list $m layers (upstream, one process), round $round: $(t "${cs[@]}" layers) ms"
	echo "list $m images (upstream, one process), round $round: $(t "${cs[@]}" images) ms"
done
got=$("${cs[@]}" layers | grep -cE '^[0-9a-f]{64}')
echo "upstream lists $got layers of the $m cargohold wrote"
echo "-- upstream CLI, $n layers and images created and deleted one process each (in a fresh store)"
cs2=("$up" --storage-driver vfs -g "$work/g2" -R "$work/r2")
loop() { # label, command prefix...; runs "$@ ITEM" for ITEM in $prefix-1..$prefix-n
	local label=$1 prefix=$2 s e i; shift 2
	s=$(date +%s%N)
	for i in $(seq "$n"); do "$@" "$prefix-$i" > /dev/null 2>&1 || { echo "upstream failed: $* $prefix-$i" >&2; exit 1; }; done
	e=$(date +%s%N); echo "$label (upstream CLI, $n processes): $(( (e - s) / 1000000 )) ms"
}
loop "create $n layers" bl "${cs2[@]}" create-layer -n
s=$(date +%s%N)
for i in $(seq "$n"); do "${cs2[@]}" create-image -n "bi-$i" "bl-$i" > /dev/null 2>&1; done
e=$(date +%s%N); echo "create $n images (upstream CLI, $n processes): $(( (e - s) / 1000000 )) ms"
# upstream's CLI delete-image also deletes the image's now unused layers
loop "delete $n images (and their layers)" bi "${cs2[@]}" delete-image
loop "create $n layers again" bl2 "${cs2[@]}" create-layer -n
loop "delete $n layers" bl2 "${cs2[@]}" delete-layer
