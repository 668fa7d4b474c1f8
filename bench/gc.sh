#!/usr/bin/env bash
# Issue 4: garbage collection at 10,000 references and more than 100,000 blobs, and `cargohold list`
# on that store (cargohold-bench, io.cargohold.bench.GcBench; see its Javadoc for the store's shape).
#
# Run bin/build first (for the CLI figures); this script builds cargohold-bench itself with Maven.
# Extra arguments go to `GcBench setup` (key=value), e.g.
#   bench/gc.sh layers=1-5            the layer count per image (default 7-15)
#   bench/gc.sh refs=1000 remove=0.5  another size, another share of garbage
# Environment (optional):
#   CARGOHOLD_BENCH_ROUNDS   how many times the timed gc runs, each on a fresh copy of the store
#                            (default 2; the setup runs once)
#   CARGOHOLD_BENCH_TMPDIR   where the work directory is created (default ${TMPDIR:-/tmp})
#
# Steps:
#   1. GcBench setup (untimed; the store is opened with fsync OFF, for the setup only): 10,000
#      references, their manifests, configs and layers, then 10 % of the references removed. Then
#      `sync -f`, so no dirty page of the setup is flushed during a timed step.
#   2. CLI on that store (each timed 3 times, wall clock of the whole process, output to /dev/null):
#      `cargohold --root STORE list`, `cargohold --root STORE list --json`,
#      `cargohold --root STORE gc --dry-run`.
#   3. For each round: `cp -a` of the store (untimed, then `sync -f`), and GcBench gc on the copy:
#      one JVM opens it with StoreOptions.defaults() (fsync on) and times OciStore.gc(true),
#      OciStore.gc(false) and gc(true) again; it fails (exit 1) when the reports or the store
#      afterwards differ from what the setup expects.
#   4. `cp -a` again and `cargohold --root COPY gc` (the CLI, wall clock), checked against the same
#      expectation.
#   5. For comparison, on another copy: `rm -f` of the garbage blob files (xargs) + `sync -f`, the
#      file system's share of a collection that removes them.
set -euo pipefail
top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cli="$top/bin/cargohold"
die() { echo "gc-bench: $*" >&2; exit 1; }
[ -f "$top/cargohold-cli/target/classpath" ] || die "cargohold is not built; run $top/bin/build first"
rounds=${CARGOHOLD_BENCH_ROUNDS:-2}
[ "$rounds" -ge 1 ] 2> /dev/null || die "CARGOHOLD_BENCH_ROUNDS must be a number >= 1"

. "$top/bin/lib/jdk.sh"
export JAVA_HOME=$(cargohold_jdk)
base=${CARGOHOLD_BENCH_TMPDIR:-${TMPDIR:-/tmp}}
work=$(mktemp -d "$base/cargohold-gc-bench.XXXXXX")
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

(cd "$top" && mvn -B -q package -DskipTests -pl cargohold-bench -am) > "$work/mvn.log" 2>&1 ||
	{ cat "$work/mvn.log" >&2; die "could not build cargohold-bench"; }
t="$top/cargohold-bench/target"
jar=$(ls "$t"/cargohold-bench-*.jar | grep -v -e sources -e tests | head -n1)
bench() {
	"$JAVA_HOME/bin/java" -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED -cp "$jar:$t/lib/*" io.cargohold.bench.GcBench "$@"
}

now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
settle() { sync -f "$work"; }
prop() { sed -n "s/^$1=//p" "$work/setup/expect.properties"; }

echo "== cargohold gc at 10k references / 100k blobs, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo)," \
	"$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "work dir: $work ($(findmnt -no FSTYPE -T "$work") on $(findmnt -no SOURCE -T "$work"))"
echo "java: $("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 2p)"
echo "git: $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$top" diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
echo

t0=$(now)
bench setup "$work/setup" "$@"
settle
t1=$(now)
echo "setup: $(secs "$t0" "$t1") s in all (JVM, setup, sync -f); store on disk: $(du -sh "$work/setup/store" | cut -f1)," \
	"$(find "$work/setup/store/blobs" -type f | wc -l) blob files"
echo

store=$work/setup/store
declare -A wall
clitime() { # key, then the command
	local key=$1 r t0 t1
	shift
	for r in 1 2 3; do
		settle
		t0=$(now)
		"$@" > "$work/cli.out" < /dev/null
		t1=$(now)
		wall[$key,$r]=$(secs "$t0" "$t1")
	done
}
clitime list "$cli" --root "$store" list
[ "$(wc -l < "$work/cli.out")" -eq "$(prop roots)" ] || die "cargohold list printed $(wc -l < "$work/cli.out") lines, expected $(prop roots)"
clitime listjson "$cli" --root "$store" list --json
clitime gcdry "$cli" --root "$store" gc --dry-run
echo "cargohold gc --dry-run, its last line: $(tail -n 1 "$work/cli.out")"
n=$(tail -n 1 "$work/cli.out" | sed -n 's/^would free \([0-9]*\) blobs.*/\1/p')
[ "$n" = "$(prop garbage)" ] || die "cargohold gc --dry-run would free '$n' blobs, expected $(prop garbage)"
printf '%-36s %8s %8s %8s\n' "CLI on the store (wall s)" "run 1" "run 2" "run 3"
for k in list listjson gcdry; do
	case $k in list) l="cargohold list";; listjson) l="cargohold list --json";; gcdry) l="cargohold gc --dry-run";; esac
	printf '%-36s %8s %8s %8s\n' "$l" "${wall[$k,1]}" "${wall[$k,2]}" "${wall[$k,3]}"
done
echo

for r in $(seq 1 "$rounds"); do
	rm -rf "$work/copy"
	mkdir "$work/copy"
	cp -a "$store" "$work/setup/expect.properties" "$work/setup/reachable.txt" "$work/setup/garbage.txt" "$work/copy/"
	settle
	echo "-- round $r: GcBench gc on a fresh copy (one JVM)"
	t0=$(now)
	bench gc "$work/copy"
	t1=$(now)
	echo "whole process (JVM start, open, 3 collections, checks): $(secs "$t0" "$t1") s"
	echo
done

rm -rf "$work/copy"
cp -a "$store" "$work/copy"
settle
t0=$(now)
"$cli" --root "$work/copy" gc < /dev/null > "$work/cli.out"
t1=$(now)
echo "cargohold gc (CLI, fresh copy): $(secs "$t0" "$t1") s; its last line: $(tail -n 1 "$work/cli.out")"
n=$(tail -n 1 "$work/cli.out" | sed -n 's/^freed \([0-9]*\) blobs.*/\1/p')
[ "$n" = "$(prop garbage)" ] || die "cargohold gc freed '$n' blobs, expected $(prop garbage)"
left=$(find "$work/copy/blobs" -type f | wc -l)
[ "$left" -eq "$(prop reachable)" ] || die "after cargohold gc, $left blob files are left, expected $(prop reachable)"
echo "checked: $left blob files left = the reachable blobs"

# For reading gc(false)'s figure: what the file system alone takes to unlink the same garbage files.
rm -rf "$work/copy"
cp -a "$store" "$work/copy"
settle
t0=$(now)
(cd "$work/copy/blobs/sha256" && sed 's/^sha256://' "$work/setup/garbage.txt" | xargs rm -f -- && sync -f .)
t1=$(now)
echo "for comparison: rm -f of the same $(prop garbage) garbage blob files + sync -f: $(secs "$t0" "$t1") s"
