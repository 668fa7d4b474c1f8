#!/usr/bin/env bash
# Issue 3: throughput of `cargohold blob put` (the real CLI, one process per file) against
# `cp` + fsync + `sha256sum` of the same files, and against `sha256sum` alone.
#
# Run bin/build first. Environment (all optional):
#   CARGOHOLD_BENCH_MIB      total size of the generated files in MiB (default 3072)
#   CARGOHOLD_BENCH_FILES    how many files the total is split into (default 6, i.e. 6 x 512 MiB)
#   CARGOHOLD_BENCH_TMPDIR   where the work directory is created (default ${TMPDIR:-/tmp}); the
#                            generated files, the stores and the copies all live in it, so they are
#                            on one file system
#   CARGOHOLD_BENCH_ALT_OPTS JVM options for the comparison cargohold run, passed as CARGOHOLD_JAVA_OPTS
#                            (default -XX:TieredStopAtLevel=1: C1 only, what the launcher used to pass
#                            for every command; the JDK's SHA intrinsics exist only in C2)
#
# What is timed (wall clock, each phase over all files, one after the other):
#   sha256sum          `sha256sum FILE` for each generated file
#   cargohold (alt)    `bin/cargohold --root STORE blob put FILE` for each file into a fresh store,
#                      with CARGOHOLD_JAVA_OPTS=$CARGOHOLD_BENCH_ALT_OPTS (run first: the first
#                      cargohold phase of a run measured ~35 % slower than the same settings later)
#   cargohold (launcher defaults)
#                      the same with CARGOHOLD_JAVA_OPTS unset, fresh store again (the launcher runs
#                      put/get/fsck with the full C1+C2 compiler, other commands with C1 only)
#   cp+fsync+sha256sum for each file: `cp FILE COPYDIR/` then `sync COPY COPYDIR` (GNU sync with
#                      file arguments fsync()s each: the copy's data and its directory entry, which
#                      is what cargohold forces for every blob) then `sha256sum COPY`
# Between phases (untimed) the previous phase's output is deleted and `sync -f` flushes the file
# system, so no phase pays for another's dirty pages. The page cache is NOT dropped: the generated
# files are read from memory in every phase (see bench/README.md).
set -euo pipefail
top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cli="$top/bin/cargohold"
if [ ! -f "$top/cargohold-cli/target/classpath" ]; then
	echo "put-throughput: cargohold is not built; run $top/bin/build first" >&2
	exit 1
fi

total_mib=${CARGOHOLD_BENCH_MIB:-3072}
nfiles=${CARGOHOLD_BENCH_FILES:-6}
alt_opts=${CARGOHOLD_BENCH_ALT_OPTS:--XX:TieredStopAtLevel=1}
if [ "$nfiles" -lt 1 ] || [ "$total_mib" -lt "$nfiles" ]; then
	echo "put-throughput: need CARGOHOLD_BENCH_FILES >= 1 and CARGOHOLD_BENCH_MIB >= CARGOHOLD_BENCH_FILES" >&2
	exit 2
fi
each_mib=$((total_mib / nfiles))
total_mib=$((each_mib * nfiles))

base=${CARGOHOLD_BENCH_TMPDIR:-${TMPDIR:-/tmp}}
work=$(mktemp -d "$base/cargohold-put-bench.XXXXXX")
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
mibps() { awk -v a="$1" -v b="$2" -v m="$total_mib" 'BEGIN { printf "%.0f", m / ((b - a) / 1e9) }'; }
settle() { sync -f "$work"; }

echo "== cargohold put throughput, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo)," \
	"$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), kernel $(uname -r)"
echo "work dir: $work ($(findmnt -no FSTYPE -T "$work") on $(findmnt -no SOURCE -T "$work"))"
echo "files: $nfiles x $each_mib MiB = $total_mib MiB of /dev/urandom data"
"$cli" --version 2>/dev/null | head -n1 | sed 's/^/cargohold: /' || true
echo "java: $(. "$top/bin/lib/jdk.sh"; "$(cargohold_jdk)/bin/java" -version 2>&1 | sed -n 2p)"
echo "coreutils: $(sha256sum --version | head -n1)"
echo

mkdir "$work/in"
t0=$(now)
for i in $(seq 1 "$nfiles"); do
	head -c "${each_mib}M" /dev/urandom > "$work/in/blob-$i"
done
settle
t1=$(now)
echo "generated in $(secs "$t0" "$t1") s (not part of any figure)"
files=()
for i in $(seq 1 "$nfiles"); do files+=("$work/in/blob-$i"); done

declare -A wall rate

# (c) sha256sum alone; its output is also the reference for checking cargohold's digests.
settle
t0=$(now)
for f in "${files[@]}"; do sha256sum "$f"; done > "$work/sha256sum.out"
t1=$(now)
wall[sha]=$(secs "$t0" "$t1"); rate[sha]=$(mibps "$t0" "$t1")
awk '{ print "sha256:" $1 }' "$work/sha256sum.out" > "$work/expected"

# (a) cargohold blob put, one CLI process per file, fresh store; $1 = key, $2 = CARGOHOLD_JAVA_OPTS or empty
put_phase() {
	local key=$1 opts=$2 f
	rm -rf "$work/store"
	settle
	local t0 t1
	t0=$(now)
	for f in "${files[@]}"; do
		if [ -n "$opts" ]; then
			CARGOHOLD_JAVA_OPTS="$opts" "$cli" --root "$work/store" blob put "$f" < /dev/null
		else
			env -u CARGOHOLD_JAVA_OPTS "$cli" --root "$work/store" blob put "$f" < /dev/null
		fi
	done > "$work/$key.out"
	t1=$(now)
	wall[$key]=$(secs "$t0" "$t1"); rate[$key]=$(mibps "$t0" "$t1")
	if ! cmp -s "$work/expected" "$work/$key.out"; then
		echo "put-throughput: cargohold ($key) printed digests that differ from sha256sum's:" >&2
		diff "$work/expected" "$work/$key.out" >&2 || true
		exit 1
	fi
	rm -rf "$work/store"
}
put_phase alt "$alt_opts"
put_phase def ""

# (b) cp, fsync of the copy and of its directory, sha256sum of the copy
mkdir "$work/copies"
settle
cp_ns=0
sum_ns=0
t0=$(now)
for f in "${files[@]}"; do
	c="$work/copies/$(basename "$f")"
	a=$(now)
	cp "$f" "$c"
	sync "$c" "$work/copies"
	b=$(now)
	sha256sum "$c" >> "$work/copies.out"
	e=$(now)
	cp_ns=$((cp_ns + b - a))
	sum_ns=$((sum_ns + e - b))
done
t1=$(now)
wall[cp]=$(secs "$t0" "$t1"); rate[cp]=$(mibps "$t0" "$t1")
if ! cmp -s <(awk '{ print $1 }' "$work/sha256sum.out") <(awk '{ print $1 }' "$work/copies.out"); then
	echo "put-throughput: the copies hash differently from the originals" >&2
	exit 1
fi
rm -rf "$work/copies"

# Start-up cost of one CLI process (opening the store included), for reading the figures above.
"$cli" --root "$work/store" status > /dev/null < /dev/null
t0=$(now)
for _ in 1 2 3 4 5; do env -u CARGOHOLD_JAVA_OPTS "$cli" --root "$work/store" status > /dev/null < /dev/null; done
t1=$(now)
startup=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 5e9 }')

echo
printf '%-62s %9s %9s\n' "phase ($total_mib MiB in $nfiles files)" "wall s" "MiB/s"
printf '%-62s %9s %9s\n' "sha256sum" "${wall[sha]}" "${rate[sha]}"
printf '%-62s %9s %9s\n' "cp + fsync + sha256sum" "${wall[cp]}" "${rate[cp]}"
printf '%-62s %9s %9s\n' "  of which cp + fsync" "$(awk -v n="$cp_ns" 'BEGIN { printf "%.2f", n / 1e9 }')" ""
printf '%-62s %9s %9s\n' "  of which sha256sum of the copies" "$(awk -v n="$sum_ns" 'BEGIN { printf "%.2f", n / 1e9 }')" ""
printf '%-62s %9s %9s\n' "cargohold blob put (CARGOHOLD_JAVA_OPTS=$alt_opts)" "${wall[alt]}" "${rate[alt]}"
printf '%-62s %9s %9s\n' "cargohold blob put (launcher defaults)" "${wall[def]}" "${rate[def]}"
echo
for key in alt def; do
	label=$([ "$key" = def ] && echo "launcher defaults" || echo "$alt_opts")
	awk -v c="${wall[$key]}" -v b="${wall[cp]}" -v l="$label" 'BEGIN {
		printf "throughput ratio cargohold (%s) / (cp + fsync + sha256sum): %.2f\n", l, b / c }'
done
echo "one 'cargohold status' process (start-up + store open), mean of 5: ${startup} s"
