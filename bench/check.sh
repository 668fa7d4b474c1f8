#!/usr/bin/env bash
# Issue 15: full and quick check of a containers-storage store holding the large test image (skopeo
# copies it in), our `containers-storage check` next to upstream v1.51.0's on the same store, rounds
# interleaved (ours full, upstream full, ours quick, upstream quick, ...), as a ratio.
#
# Environment (all optional):
#   CARGOHOLD_BENCH_GEN_MIB  uncompressed layer content of the generated image in MiB (default 520, as
#                            bench/import-export.sh and bench/layers.sh: io.cargohold.bench.MakeLargeImage)
#   CARGOHOLD_BENCH_LAYOUT   use this existing OCI layout (tag latest) instead of generating one
#   CARGOHOLD_BENCH_ROUNDS   rounds (default 3); the table shows each and the median
#   CARGOHOLD_BENCH_CACHE    cold: drop the page cache before every timed run; warm: never; auto (default):
#                            cold when allowed
#   CARGOHOLD_BENCH_TMPDIR   where the work directory is made (default /tmp)
#   CS_UPSTREAM151           upstream's containers-storage v1.51.0 binary, built locally from the public
#                            source (never committed); without it only our figures are shown
#
# Timed (wall clock, one process each, the store's graph and run roots as the only options):
#   ours full       bin/containers-storage -g G -R R check       (every layer file read: CRC-64, diff digest)
#   ours quick      bin/containers-storage -g G -R R check -q     (trees against tar-split metadata, no content)
#   upstream full   $CS_UPSTREAM151 -g G -R R --storage-driver vfs check
#   upstream quick  $CS_UPSTREAM151 -g G -R R --storage-driver vfs check -q
# Upstream's quick check still reassembles every layer's diff and hashes it (its CheckMost); ours does
# not read contents in the quick check. Upstream's output on this store is kept in the work directory
# and summarised (it reports directory times of a sound store as "layer content modified"); nothing is
# ever repaired here.
set -euo pipefail
top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
. "$top/bin/lib/jdk.sh"
export JAVA_HOME=$(cargohold_jdk)
die() { echo "check: $*" >&2; exit 1; }
gen_mib=${CARGOHOLD_BENCH_GEN_MIB:-520}
rounds=${CARGOHOLD_BENCH_ROUNDS:-3}
[ "$rounds" -ge 1 ] 2> /dev/null || die "CARGOHOLD_BENCH_ROUNDS must be a number >= 1"
cache=${CARGOHOLD_BENCH_CACHE:-auto}
upstream=${CS_UPSTREAM151:-}
for t in skopeo sync findmnt; do command -v "$t" > /dev/null || die "missing tool: $t"; done
[ -x "$top/bin/containers-storage" ] && [ -f "$top/cargohold-cstorage/target/classpath" ] || die "build first: bin/build"
[ -z "$upstream" ] || [ -x "$upstream" ] || die "CS_UPSTREAM151=$upstream is not executable"

work=$(mktemp -d "${CARGOHOLD_BENCH_TMPDIR:-/tmp}/cargohold-check-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

drop=0
case $cache in
	cold|auto)
		if sync && (echo 3 > /proc/sys/vm/drop_caches) 2> /dev/null; then drop=1
		elif [ "$cache" = cold ]; then die "cannot drop the page cache here (CARGOHOLD_BENCH_CACHE=cold)"
		fi ;;
	warm) ;;
	*) die "CARGOHOLD_BENCH_CACHE must be auto, cold or warm" ;;
esac
settle() { sync; [ "$drop" = 1 ] && echo 3 > /proc/sys/vm/drop_caches || true; }
now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }

echo "== cargohold store check benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo)," \
	"$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "work dir: $work ($(findmnt -no FSTYPE -T "$work") on $(findmnt -no SOURCE -T "$work"))"
echo "java: $("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 2p); $(skopeo --version)"
echo "upstream: ${upstream:-none (set CS_UPSTREAM151)}"
echo "git: $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$top" diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
echo "page cache: $([ "$drop" = 1 ] && echo 'dropped before every timed run (cold)' || echo 'warm (not dropped)')"

# ---------------------------------------------------------------- the store
if [ -n "${CARGOHOLD_BENCH_LAYOUT:-}" ]; then
	layout=$CARGOHOLD_BENCH_LAYOUT
else
	(cd "$top" && mvn -B -q package -DskipTests -pl cargohold-bench -am > "$work/mvn.log" 2>&1) || { cat "$work/mvn.log" >&2; die "build failed"; }
	t="$top/cargohold-bench/target"
	jar=$(ls "$t"/cargohold-bench-*.jar | grep -v -e sources -e tests | head -n1)
	"$JAVA_HOME/bin/java" -cp "$jar:$t/lib/*" io.cargohold.bench.MakeLargeImage "$work/gen" "$gen_mib" > /dev/null
	layout=$work/gen
fi
g=$work/graph
r=$work/run
skopeo copy -q "oci:$layout:latest" "containers-storage:[vfs@$g+$r]large:latest"
echo "store: skopeo copy of the large image ($gen_mib MiB of layer content): $(du -sb "$g" | cut -f1) bytes under the graph root," \
	"$(find "$g/vfs/dir" | wc -l) tree entries in $(ls "$g/vfs/dir" | wc -l) layer trees"
echo

ours=("$top/bin/containers-storage" -g "$g" -R "$r")
theirs=("$upstream" -g "$g" -R "$r" --storage-driver vfs)
declare -A wall
run() { # $1 key, $2 round, rest: command; our check must be clean
	local key=$1 round=$2; shift 2
	settle
	local t0 t1 status=0
	t0=$(now)
	"$@" > "$work/$key.$round.out" 2>&1 || status=$?
	t1=$(now)
	wall[$key,$round]=$(secs "$t0" "$t1")
	case $key in
		ours*) [ "$status" = 0 ] && [ ! -s "$work/$key.$round.out" ] || { cat "$work/$key.$round.out" >&2; die "$key: our check is not clean (exit $status)"; } ;;
		*) echo "$status" > "$work/$key.$round.status" ;;
	esac
}
for i in $(seq 1 "$rounds"); do
	run "ours full" "$i" "${ours[@]}" check
	[ -n "$upstream" ] && run "upstream full" "$i" "${theirs[@]}" check
	run "ours quick" "$i" "${ours[@]}" check -q
	[ -n "$upstream" ] && run "upstream quick" "$i" "${theirs[@]}" check -q
done

median() { tr ' ' '\n' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
printf '%-16s' "phase"; for i in $(seq 1 "$rounds"); do printf '%10s' "round $i"; done; printf '%10s\n' median
declare -A med
for key in "ours full" "upstream full" "ours quick" "upstream quick"; do
	[ -n "${wall[$key,1]:-}" ] || continue
	printf '%-16s' "$key"
	vals=
	for i in $(seq 1 "$rounds"); do printf '%9ss' "${wall[$key,$i]}"; vals="$vals ${wall[$key,$i]}"; done
	med[$key]=$(echo $vals | median)
	printf '%9ss\n' "${med[$key]}"
done
if [ -n "$upstream" ]; then
	echo
	echo "ratio ours/upstream: full $(awk -v a="${med[ours full]}" -v b="${med[upstream full]}" 'BEGIN { printf "%.2f", a / b }')x," \
		"quick $(awk -v a="${med[ours quick]}" -v b="${med[upstream quick]}" 'BEGIN { printf "%.2f", a / b }')x"
	echo "upstream's findings on this sound store (exit $(cat "$work/upstream full.1.status")): $(grep -c 'layer content modified' "$work/upstream full.1.out" || true) \"layer content modified\", e.g.:"
	grep -m3 'layer content modified' "$work/upstream full.1.out" | sed 's/^/  /' || true
fi
echo "our check: clean in every round (exit 0, no output)"
