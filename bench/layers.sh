#!/usr/bin/env bash
# Issue 6: PutLayer (create + apply) and Diff of the largest layer of the `large` test image through
# our Store API (io.cargohold.bench.LayerBench, one JVM), next to GNU tar on the same content in the
# same run, and, when $CS_UPSTREAM names a containers-storage v1.43.0 binary built locally (never
# committed), next to upstream's CLI (create-layer, then applydiff and diff, one process each).
#
# Environment (all optional):
#   CARGOHOLD_BENCH_GEN_MIB  uncompressed layer content of the generated image in MiB (default 520, as
#                            bench/import-export.sh); its largest layer is ~60 % of it, big
#                            incompressible files of at most 64 MiB
#   CARGOHOLD_BENCH_LAYOUT   use this existing OCI layout (tag latest) instead of generating one
#   CARGOHOLD_BENCH_ROUNDS   rounds of every phase (default 3); the table shows each and the median
#   CARGOHOLD_BENCH_CACHE    cold: drop the page cache (sync; echo 3 > /proc/sys/vm/drop_caches) before
#                            every timed phase; warm: never; auto (default): cold when allowed
#   CARGOHOLD_BENCH_TMPDIR   where the work directory is made (default /tmp); everything is in it
#   CS_UPSTREAM              an upstream containers-storage v1.43.0 binary
#
# Timed phases (wall clock; before each, untimed: the previous output is deleted, the file system is
# synced, and with a cold cache the page cache is dropped):
#   ours put.gz         Store.createLayer(LayerOptions.of(null), BLOB) into a fresh store: decompress,
#                       SHA-256 of both streams, tar-split, extraction, syncfs, record
#   ours put.tar        the same with the uncompressed tar
#   ours diff.none      Store.diff(null, layer, NONE) into a counting sink (tar-split reassembly)
#   ours diff.none.sha  the same into SHA-256 (checked against the config's diff ID)
#   ours diff.gzip      Store.diff(null, layer, GZIP) into a counting sink
#   ours apply.*, gunzip*, read.*: pieces of the pipeline, to see where the time goes
#   tar -xzf            tar -xzf BLOB -C DIR (GNU tar runs gzip -d in a second process); then `sync`
#   tar -xf             tar -xf LAYER.tar -C DIR; then `sync`
#   tar -c | cat        tar -cf - -C DIR . | cat > /dev/null (with `-f - > /dev/null` GNU tar
#                       notices /dev/null and does not read the files at all; also shown)
#   tar -c | sha256sum, tar -c | gzip -c | cat
#   upstream applydiff  containers-storage -g G -R R applydiff -f BLOB LAYER (after an untimed
#                       create-layer in a fresh store); then `sync` (upstream does not sync)
#   upstream diff -u / diff (default: gzip, as applied) -f /dev/null LAYER
set -euo pipefail
top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
. "$top/bin/lib/jdk.sh"
export JAVA_HOME=$(cargohold_jdk)
die() { echo "layers: $*" >&2; exit 1; }
gen_mib=${CARGOHOLD_BENCH_GEN_MIB:-520}
rounds=${CARGOHOLD_BENCH_ROUNDS:-3}
[ "$rounds" -ge 1 ] 2> /dev/null || die "CARGOHOLD_BENCH_ROUNDS must be a number >= 1"
cache=${CARGOHOLD_BENCH_CACHE:-auto}
for t in tar gzip sha256sum sync findmnt; do command -v "$t" > /dev/null || die "missing tool: $t"; done

work=$(mktemp -d "${CARGOHOLD_BENCH_TMPDIR:-/tmp}/cargohold-layers-bench.XXXXXX")
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

echo "== cargohold layer apply/diff benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo)," \
	"$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "work dir: $work ($(findmnt -no FSTYPE -T "$work") on $(findmnt -no SOURCE -T "$work"))"
echo "java: $("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 2p); $(tar --version | head -n1); $(gzip --version | head -n1)"
echo "git: $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$top" diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
echo "page cache: $([ "$drop" = 1 ] && echo 'dropped before every timed phase (cold)' || echo 'warm (not dropped)')"

(cd "$top" && mvn -B -q package -DskipTests -pl cargohold-bench -am > "$work/mvn.log" 2>&1) || { cat "$work/mvn.log" >&2; die "build failed"; }
t="$top/cargohold-bench/target"
cp="$(ls "$t"/cargohold-bench-*.jar | grep -v -e sources -e tests | head -n1):$t/lib/*"
java=("$JAVA_HOME/bin/java" -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED ${LAYERBENCH_JAVA_OPTS:-} -cp "$cp" io.cargohold.bench.LayerBench)

# ---------------------------------------------------------------- the layer
layout=${CARGOHOLD_BENCH_LAYOUT:-$work/layout}
"${java[@]}" pick "$layout" "$gen_mib" > "$work/pick"
blob=$(sed -n 's/^blob=//p' "$work/pick")
diffid=$(sed -n 's/^diffid=//p' "$work/pick")
echo "largest layer of tag latest ($(sed -n 's/^index=//p' "$work/pick")): $(sed -n 's/^digest=//p' "$work/pick"), $(sed -n 's/^mediatype=//p' "$work/pick"), $(stat -c %s "$blob") bytes; diff ID $diffid"
gzip -dc "$blob" > "$work/layer.tar"
[ "sha256:$(sha256sum < "$work/layer.tar" | cut -d' ' -f1)" = "$diffid" ] || die "the uncompressed layer does not hash to its diff ID"
tar_bytes=$(stat -c %s "$work/layer.tar")
mkdir "$work/x"; tar -xf "$work/layer.tar" -C "$work/x"
echo "uncompressed: $tar_bytes bytes; $(find "$work/x" -type f | wc -l) files, $(find "$work/x" -type d | wc -l) directories, $(du -sb "$work/x" | cut -f1) bytes on disk (du -sb)"
rm -rf "$work/x"
echo

# ---------------------------------------------------------------- GNU tar (and coreutils)
res=$work/results   # KEY ROUND SECONDS
: > "$res"
now() { date +%s%N; }
settle() { sync; if [ "$drop" = 1 ]; then echo 3 > /proc/sys/vm/drop_caches; fi; }
put() { awk -v k="$1" -v r="$2" -v a="$3" -v b="$4" 'BEGIN { printf "%s %d %.3f\n", k, r, (b - a) / 1e9 }' >> "$res"; }
timed() { # KEY ROUND command...: runs it, appends its wall time
	local k=$1 r=$2 s; shift 2
	s=$(now); "$@"; put "$k" "$r" "$s" "$(now)"
}
x=$work/x
for r in $(seq "$rounds"); do
	rm -rf "$x"; mkdir "$x"; settle
	s=$(now); tar -xzf "$blob" -C "$x"; m=$(now); sync; e=$(now)
	put tar.xzf "$r" "$s" "$m"; put tar.xzf.sync "$r" "$s" "$e"
	rm -rf "$x"; mkdir "$x"; settle
	s=$(now); tar -xf "$work/layer.tar" -C "$x"; m=$(now); sync; e=$(now)
	put tar.xf "$r" "$s" "$m"; put tar.xf.sync "$r" "$s" "$e"
	settle; timed tar.c.cat "$r" sh -c 'tar -cf - -C "$1" . | cat > /dev/null' - "$x"
	settle; timed tar.c.devnull "$r" sh -c 'tar -cf - -C "$1" . > /dev/null' - "$x"
	settle; timed tar.c.sha "$r" sh -c 'tar -cf - -C "$1" . | sha256sum > /dev/null' - "$x"
	settle; timed tar.cz "$r" sh -c 'tar -cf - -C "$1" . | gzip -c | cat > /dev/null' - "$x"
	settle; timed gzip.d "$r" sh -c 'gzip -dc "$1" > /dev/null' - "$blob"
	settle; timed sha256sum.tar "$r" sh -c 'sha256sum "$1" > /dev/null' - "$work/layer.tar"
	echo "tar round $r done"
done
rm -rf "$x"

# ---------------------------------------------------------------- ours
"${java[@]}" run "$blob" "$diffid" "$work/layer.tar" "$work/ours" "$rounds" "$drop" | tee "$work/ours.log" | grep -v '^RESULT'
awk '/^RESULT/ { print "ours." $2, $3, $4 }' "$work/ours.log" >> "$res"
rm -rf "$work/ours"

# ---------------------------------------------------------------- upstream
up=${CS_UPSTREAM:-}
if [ -n "$up" ] && [ -x "$up" ]; then
	for r in $(seq "$rounds"); do
		cs=("$up" --storage-driver vfs -g "$work/ug" -R "$work/ur")
		rm -rf "$work/ug" "$work/ur"
		id=$("${cs[@]}" create-layer | head -n1)
		settle
		s=$(now); "${cs[@]}" applydiff -f "$blob" "$id"; m=$(now); sync; e=$(now)
		put up.applydiff "$r" "$s" "$m"; put up.applydiff.sync "$r" "$s" "$e"
		if [ "$r" = 1 ]; then
			got=$("${cs[@]}" diff -u "$id" | sha256sum | cut -d' ' -f1)
			[ "sha256:$got" = "$diffid" ] || die "upstream's diff -u has sha256:$got, not the diff ID $diffid"
			echo "upstream: diff -u of its layer = the diff ID: OK; its diff (gzip) is $("${cs[@]}" diff "$id" | wc -c) bytes"
		fi
		settle; timed up.diff.none "$r" "${cs[@]}" diff -u -f /dev/null "$id"
		settle; timed up.diff.gzip "$r" "${cs[@]}" diff -f /dev/null "$id"
		settle; timed up.version "$r" "${cs[@]}" version > /dev/null
		echo "upstream round $r done"
	done
	rm -rf "$work/ug" "$work/ur"
else
	echo "-- upstream: skipped (set CS_UPSTREAM to a containers-storage v1.43.0 binary built locally)"
fi

# ---------------------------------------------------------------- table
echo
med() { awk -v k="$1" '$1 == k { print $3 }' "$res" | sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) printf "%.3f", v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
row() { # KEY LABEL
	local m; m=$(med "$1"); [ -n "$m" ] || return 0
	printf '| %-48s |' "$2"
	awk -v k="$1" '$1 == k { printf " %s", $3 }' "$res"
	awk -v m="$m" -v b="$tar_bytes" 'BEGIN { printf " | %.3f | %.0f |\n", m, b / 1048576 / m }'
}
echo "uncompressed layer: $tar_bytes bytes ($(awk -v b="$tar_bytes" 'BEGIN { printf "%.1f", b / 1048576 }') MiB); MiB/s from it and the median"
echo "| phase | s per round | s median | MiB/s |"
echo "|---|---|---:|---:|"
row ours.put.gz "ours: createLayer(gzip blob), syncfs included"
row tar.xzf.sync "tar -xzf + sync"
row tar.xzf "tar -xzf (no sync)"
row up.applydiff.sync "upstream applydiff -f blob + sync"
row up.applydiff "upstream applydiff -f blob (no sync)"
row ours.put.tar "ours: createLayer(tar), syncfs included"
row tar.xf.sync "tar -xf + sync"
row tar.xf "tar -xf (no sync)"
row ours.diff.none "ours: diff, uncompressed, to a sink"
row tar.c.cat "tar -cf - . | cat > /dev/null"
row tar.c.devnull "tar -cf - . > /dev/null (tar skips reading)"
row up.diff.none "upstream diff -u -f /dev/null"
row ours.diff.none.sha "ours: diff, uncompressed, into SHA-256"
row tar.c.sha "tar -cf - . | sha256sum"
row ours.diff.gzip "ours: diff, gzip"
row tar.cz "tar -cf - . | gzip -c | cat"
row up.diff.gzip "upstream diff (gzip) -f /dev/null"
row ours.apply.gz.nosync "ours: LayerArchive.apply(gzip), no store/syncfs"
row ours.apply.gz.syncfs-only "ours: syncfs after it"
row ours.apply.tar.nosync "ours: LayerArchive.apply(tar), no store/syncfs"
row ours.gunzip "ours: GZIPInputStream only"
row ours.gunzip.sha2x "ours: GZIPInputStream + 2 x SHA-256"
row gzip.d "gzip -dc > /dev/null"
row ours.read.crc64 "ours: read tar + CRC-64"
row ours.read.only "ours: read tar only"
row sha256sum.tar "sha256sum layer.tar"
row up.version "upstream version (process start)"
echo
ratio() { # LABEL KEY_A KEY_B: time A / time B (above 1: A is slower)
	local a b; a=$(med "$2"); b=$(med "$3"); [ -n "$a" ] && [ -n "$b" ] || return 0
	awk -v a="$a" -v b="$b" -v l="$1" 'BEGIN { printf "%-58s %.2f\n", l, a / b }'
}
echo "time ratios (target: ours / tar <= 1.2):"
ratio "  ours createLayer(gzip) / (tar -xzf + sync)" ours.put.gz tar.xzf.sync
ratio "  ours createLayer(gzip) / tar -xzf" ours.put.gz tar.xzf
ratio "  ours createLayer(tar) / (tar -xf + sync)" ours.put.tar tar.xf.sync
ratio "  ours diff uncompressed / (tar -c | cat)" ours.diff.none tar.c.cat
ratio "  ours diff into SHA-256 / (tar -c | sha256sum)" ours.diff.none.sha tar.c.sha
ratio "  ours diff gzip / (tar -c | gzip -c)" ours.diff.gzip tar.cz
ratio "  upstream applydiff + sync / (tar -xzf + sync)" up.applydiff.sync tar.xzf.sync
ratio "  ours createLayer(gzip) / (upstream applydiff + sync)" ours.put.gz up.applydiff.sync
ratio "  ours diff uncompressed / upstream diff -u" ours.diff.none up.diff.none
ratio "  ours diff gzip / upstream diff (gzip)" ours.diff.gzip up.diff.gzip
