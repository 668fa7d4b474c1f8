#!/usr/bin/env bash
# Issue 17: the layer commands as users run them, through the CLIs: our bin/containers-storage next to
# upstream's binary ($CS_UPSTREAM, e.g. Debian's /usr/bin/containers-storage 1.43.0) on the largest layer
# of an OCI layout's tag `latest`: `applydiff -f BLOB` into a fresh vfs store (then `sync`: upstream does not
# sync, ours syncfs's), `diff --gzip -f FILE` and `diff -u -f FILE`. Each command is one process, timed with
# /usr/bin/time: wall, user and sys, so that on a shared machine the CPU time can be compared when wall
# times cannot. bench/layers.sh measures the same work through the Java API in one JVM, with the pieces.
# Build first (bin/build).
#
# Environment:
#   CARGOHOLD_BENCH_LAYOUT  the OCI layout (required; e.g. /work/bench-images/large/app)
#   CS_UPSTREAM             upstream's containers-storage binary (optional: without it, ours alone)
#   CARGOHOLD_BENCH_ROUNDS  rounds (default 3); the table shows medians
#   CARGOHOLD_BENCH_CACHE   cold (default when allowed): sync and drop the page cache before every command; warm
#   CARGOHOLD_BENCH_TMPDIR  where the work directory is made (default /tmp)
set -euo pipefail
top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
die() { echo "layers-cli: $*" >&2; exit 1; }
layout=${CARGOHOLD_BENCH_LAYOUT:-}
[ -n "$layout" ] && [ -f "$layout/index.json" ] || die "set CARGOHOLD_BENCH_LAYOUT to an OCI layout"
rounds=${CARGOHOLD_BENCH_ROUNDS:-3}
[ "$rounds" -ge 1 ] 2> /dev/null || die "CARGOHOLD_BENCH_ROUNDS must be a number >= 1"
for t in jq sync; do command -v "$t" > /dev/null || die "missing tool: $t"; done
[ -x /usr/bin/time ] || die "missing /usr/bin/time (Debian package time)"
ours="$top/bin/containers-storage"
[ -f "$top/cargohold-cstorage/target/classpath" ] || die "not built: run bin/build"
up=${CS_UPSTREAM:-}
drop=0
case ${CARGOHOLD_BENCH_CACHE:-cold} in
	cold) if sync && (echo 3 > /proc/sys/vm/drop_caches) 2> /dev/null; then drop=1; fi ;;
	warm) ;;
	*) die "CARGOHOLD_BENCH_CACHE must be cold or warm" ;;
esac

blobpath() { echo "$layout/blobs/${1%%:*}/${1#*:}"; }
m=$(jq -r '[.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "latest")][0].digest' "$layout/index.json")
[ "$m" != null ] || die "no tag latest in $layout"
blob=$(blobpath "$(jq -r '.layers | max_by(.size) | .digest' "$(blobpath "$m")")")

work=$(mktemp -d "${CARGOHOLD_BENCH_TMPDIR:-/tmp}/cargohold-layers-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
echo "== layer commands through the CLIs, $(date -u +%Y-%m-%dT%H:%M:%SZ); git $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); page cache: $([ "$drop" = 1 ] && echo dropped before every command || echo warm)"
echo "layer: $blob ($(stat -c %s "$blob") bytes)"
echo "upstream: ${up:-none}"

settle() { sync; if [ "$drop" = 1 ]; then echo 3 > /proc/sys/vm/drop_caches; fi; }
res=$work/results   # WHO PHASE WALL USER SYS BYTES LOAD
: > "$res"
timed() { # WHO PHASE OUTFILE command...: wall (with a sync after it for apply), user, sys
	local who=$1 phase=$2 out=$3 s e l; shift 3
	settle
	l=$(cut -d' ' -f1 /proc/loadavg)
	s=$(date +%s%N)
	/usr/bin/time -o "$work/t" -f '%U %S' "$@" 2> "$work/err" > /dev/null || { cat "$work/err" >&2; die "$who $phase failed"; }
	[ "$phase" = apply ] && sync
	e=$(date +%s%N)
	read -r u sy < "$work/t"
	echo "$who $phase $(awk -v a="$s" -v b="$e" 'BEGIN { printf "%.3f", (b - a) / 1e9 }') $u $sy $([ -f "$out" ] && stat -c %s "$out" || echo -) $l" >> "$res"
	rm -f "$out"
}
sides=(ours); [ -n "$up" ] && sides+=(up)
for r in $(seq "$rounds"); do
	order=("${sides[@]}")
	# alternate who goes first (the load of a shared machine drifts within a round)
	if [ "${#sides[@]}" = 2 ] && [ $((r % 2)) = 0 ]; then order=("${sides[1]}" "${sides[0]}"); fi
	for who in "${order[@]}"; do
		bin=$ours; [ "$who" = up ] && bin=$up
		rm -rf "$work/g" "$work/r"
		cs=("$bin" --storage-driver vfs -g "$work/g" -R "$work/r")
		id=$("${cs[@]}" create-layer | head -n1)
		timed "$who" apply - "${cs[@]}" applydiff -f "$blob" "$id"
		timed "$who" diff.gzip "$work/out" "${cs[@]}" diff --gzip -f "$work/out" "$id"
		timed "$who" diff.u "$work/out" "${cs[@]}" diff -u -f "$work/out" "$id"
	done
	echo "round $r done"
done
rm -rf "$work/g" "$work/r"

echo
echo "| phase | who | wall s (each round) | wall median | user | sys | CPU median | bytes |"
echo "|---|---|---|---:|---:|---:|---:|---:|"
for phase in apply diff.gzip diff.u; do
	for who in "${sides[@]}"; do
		awk -v w="$who" -v p="$phase" '$1 == w && $2 == p { n++; e[n] = $3; u[n] = $4; s[n] = $5; c[n] = $4 + $5; b = $6; all = all " " $3 }
			function med(x, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (x[j] < x[i]) { t = x[i]; x[i] = x[j]; x[j] = t }
				return n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2 }
			END { if (n) printf "| %s | %s |%s | %.2f | %.2f | %.2f | %.2f | %s |\n", p, w, all, med(e, n), med(u, n), med(s, n), med(c, n), b }' "$res"
	done
done
if [ -n "$up" ]; then
	echo
	echo "ours / upstream (medians; apply: wall includes a sync after each):"
	for phase in apply diff.gzip diff.u; do
		awk -v p="$phase" '$2 == p { n[$1]++; e[$1, n[$1]] = $3; c[$1, n[$1]] = $4 + $5 }
			function med(w, k,   i, j, t, x, m) { m = n[w]; for (i = 1; i <= m; i++) x[i] = (k == "e" ? e[w, i] : c[w, i])
				for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (x[j] < x[i]) { t = x[i]; x[i] = x[j]; x[j] = t }
				return m % 2 ? x[(m + 1) / 2] : (x[m / 2] + x[m / 2 + 1]) / 2 }
			END { printf "  %-10s wall %.2f   CPU %.2f\n", p, med("ours", "e") / med("up", "e"), med("ours", "c") / med("up", "c") }' "$res"
	done
fi
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
