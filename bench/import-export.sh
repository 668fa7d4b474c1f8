#!/usr/bin/env bash
# Issue 4: wall time of `cargohold import` and `cargohold export` (the real CLI) of one large image,
# against `skopeo copy --preserve-digests` of the same image and against `cp -r` + fsync +
# `sha256sum` of the whole layout.
#
# Run bin/build first. Needs skopeo and GNU coreutils. Environment (all optional):
#   CARGOHOLD_BENCH_IMAGE    where the image comes from:
#                              auto (default)  make-test-images when it can run (the tool exists,
#                                              we are root, its tools are installed), else generated
#                              mti             make-test-images OUTDIR large; fails when it cannot run
#                              generated       io.cargohold.bench.MakeLargeImage (cargohold-bench, via
#                                              TestImages.large): builds cargohold-bench with Maven
#   CARGOHOLD_BENCH_MTI      the make-test-images tool (default: ../shared/tools/make-test-images
#                            next to this repository, i.e. /work/shared/tools/make-test-images); it
#                            must run as root and takes about 3 minutes for the `large` class
#   CARGOHOLD_BENCH_GEN_MIB  uncompressed layer content of the generated image in MiB (default 520,
#                            which gives about 430 MiB of gzip blobs, like make-test-images' app:latest)
#   CARGOHOLD_BENCH_LAYOUT   use this existing OCI layout (tag `latest`) instead of making one
#   CARGOHOLD_BENCH_ROUNDS   how many times every phase is run (default 3); the table shows each
#                            round and the median
#   CARGOHOLD_BENCH_TMPDIR   where the work directory is created (default ${TMPDIR:-/tmp}); the image,
#                            the stores and every copy live in it, so they are on one file system
#
# What is timed (wall clock; each round runs the phases in this order):
#   import     `bin/cargohold --root STORE import --sref latest --dref app:latest LAYOUT` into a fresh
#              store (verifies every blob's digest and size; fsyncs each blob, its directory and the
#              SQLite commit)
#   export     `bin/cargohold --root STORE export --sref app:latest --dref latest OUT` from that store
#              into a fresh directory (verifies every blob as read and as written; fsyncs each blob and
#              its directory)
#   skopeo     `skopeo copy --preserve-digests oci:LAYOUT:latest oci:OUT:latest` into a fresh directory
#              (skopeo verifies digests, and fsyncs blob files but not directories)
#   cp         `cp -r LAYOUT OUT`, then `sync` of every file and directory of the copy (GNU sync with
#              file arguments fsync()s each), then `sha256sum` of every blob of the copy (from cache)
# import, export and skopeo move the blobs of tag `latest`; cp copies the whole layout (with
# make-test-images' image: also the manifest, config and top layer of tag v2, about 2 MiB more). MiB/s
# are computed from the bytes each phase moves. Between phases (untimed) the previous output is
# deleted and `sync -f` flushes the file system. The page cache is NOT dropped (see bench/README.md).
#
# Checks (a failure stops the script with exit 1): the source layout's blobs hash to their names; the
# digest that import and export print, and the sha256 of `skopeo inspect --raw` of the exported layout
# and of skopeo's copy, equal the sha256 of `skopeo inspect --raw oci:LAYOUT:latest`; the copy's blobs
# hash to their names.
set -euo pipefail
top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cli="$top/bin/cargohold"
die() { echo "import-export: $*" >&2; exit 1; }
[ -f "$top/cargohold-cli/target/classpath" ] || die "cargohold is not built; run $top/bin/build first"
for t in skopeo sha256sum cp sync findmnt; do
	command -v "$t" > /dev/null || die "missing tool: $t"
done

mode=${CARGOHOLD_BENCH_IMAGE:-auto}
mti=${CARGOHOLD_BENCH_MTI:-$top/../shared/tools/make-test-images}
gen_mib=${CARGOHOLD_BENCH_GEN_MIB:-520}
rounds=${CARGOHOLD_BENCH_ROUNDS:-3}
[ "$rounds" -ge 1 ] 2> /dev/null || die "CARGOHOLD_BENCH_ROUNDS must be a number >= 1"
case $mode in auto|mti|generated) ;; *) die "CARGOHOLD_BENCH_IMAGE must be auto, mti or generated, not '$mode'" ;; esac

# Why make-test-images cannot run here (empty when it can).
mti_unusable() {
	if [ ! -e "$mti" ]; then
		echo "$mti does not exist (no ../shared next to this repository; set CARGOHOLD_BENCH_MTI)"
	elif [ ! -x "$mti" ]; then
		echo "$mti is not executable"
	elif [ "$(id -u)" != 0 ]; then
		echo "make-test-images must run as root (it sets owners and setuid bits)"
	else
		local t
		for t in umoci jq openssl gzip zstd tar awk find; do
			command -v "$t" > /dev/null || { echo "make-test-images needs $t, which is not installed"; return; }
		done
	fi
}

base=${CARGOHOLD_BENCH_TMPDIR:-${TMPDIR:-/tmp}}
work=$(mktemp -d "$base/cargohold-ie-bench.XXXXXX")
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
settle() { sync -f "$work"; }
# Sum of the sizes of the regular files under $1.
bytes_under() { find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%d", s }'; }
# sha256 of the manifest (or index) that tag latest of layout $1 names, as skopeo reads it.
raw_digest() { skopeo inspect --raw "oci:$1:latest" | sha256sum | awk '{ print "sha256:" $1 }'; }
# Every blob under $1/blobs/sha256 hashes to its name; prints nothing, fails loudly otherwise.
check_blobs() {
	local dir=$1 what=$2 bad
	bad=$(cd "$dir/blobs/sha256" && sha256sum -- * | awk '$1 != substr($2, match($2, /[^*]/)) { print $2 }')
	[ -z "$bad" ] || die "$what: blobs that do not hash to their names: $bad"
}

why=$(mti_unusable)
if [ -z "${CARGOHOLD_BENCH_LAYOUT:-}" ] && [ "$mode" = mti ] && [ -n "$why" ]; then
	die "CARGOHOLD_BENCH_IMAGE=mti, but $why"
fi

echo "== cargohold import/export throughput, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo)," \
	"$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "work dir: $work ($(findmnt -no FSTYPE -T "$work") on $(findmnt -no SOURCE -T "$work"))"
echo "java: $(. "$top/bin/lib/jdk.sh"; "$(cargohold_jdk)/bin/java" -version 2>&1 | sed -n 2p)"
echo "$(skopeo --version); coreutils: $(sha256sum --version | head -n1)"
echo "git: $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$top" diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"

# ---------------------------------------------------------------- the image
t0=$(now)
if [ -n "${CARGOHOLD_BENCH_LAYOUT:-}" ]; then
	[ -f "$CARGOHOLD_BENCH_LAYOUT/index.json" ] || die "CARGOHOLD_BENCH_LAYOUT=$CARGOHOLD_BENCH_LAYOUT is not an OCI layout"
	layout=$(cd "$CARGOHOLD_BENCH_LAYOUT" && pwd)
	source="the given layout $layout"
else
	if [ "$mode" != generated ] && [ -z "$why" ]; then
		echo "image: make-test-images large (about 3 minutes) ..."
		if ! "$mti" "$work/mti" large > "$work/mti.log" 2>&1; then
			tail -n 30 "$work/mti.log" >&2
			die "make-test-images failed (its log is above)"
		fi
		layout=$work/mti/app
		source="make-test-images large: $(readlink -f "$mti"), OUTDIR/app"
		grep -E '^(app:latest|large base layer)' "$work/mti.log" | sed 's/^/  /'
	else
		[ "$mode" = auto ] && echo "image: not using make-test-images: $why; generating one instead"
		echo "image: io.cargohold.bench.MakeLargeImage, $gen_mib MiB of layer content (builds cargohold-bench first) ..."
		(
			. "$top/bin/lib/jdk.sh"
			export JAVA_HOME=$(cargohold_jdk)
			cd "$top"
			mvn -B -q package -DskipTests -pl cargohold-bench -am > "$work/mvn.log" 2>&1 || { cat "$work/mvn.log" >&2; exit 1; }
			t="$top/cargohold-bench/target"
			jar=$(ls "$t"/cargohold-bench-*.jar | grep -v -e sources -e tests | head -n1)
			"$JAVA_HOME/bin/java" -cp "$jar:$t/lib/*" io.cargohold.bench.MakeLargeImage "$work/gen" "$gen_mib"
		) || die "could not generate the image"
		layout=$work/gen
		source="generated: TestImages.large(DIR, $gen_mib MiB, seed 1, gzip level 1)"
	fi
fi
settle
t1=$(now)
echo "image made in $(secs "$t0" "$t1") s (not part of any figure): $source"

# Untimed: check the source, and read it once so that every phase finds it in the page cache.
check_blobs "$layout" "the source layout"
want=$(raw_digest "$layout")
layout_bytes=$(bytes_under "$layout")
echo "source: $layout: tag latest = $want; layout $(find "$layout/blobs" -type f | wc -l) blobs, $layout_bytes bytes in all files"
echo

mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
rate() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.0f", b / 1048576 / s }'; }
expect_digest() { # $1 what, $2 digest found
	[ "$2" = "$want" ] || die "$1: digest $2, but the source's tag latest is $want"
}

declare -A wall
image_bytes=
for r in $(seq 1 "$rounds"); do
	# (a) import into a fresh store
	rm -rf "$work/store" "$work/out"; settle
	t0=$(now)
	"$cli" --root "$work/store" import --sref latest --dref app:latest "$layout" < /dev/null > "$work/import.out"
	t1=$(now)
	wall[import,$r]=$(secs "$t0" "$t1")
	expect_digest "cargohold import (round $r)" "$(awk '{ print $2 }' "$work/import.out")"

	# (b) export into a fresh directory
	settle
	t0=$(now)
	"$cli" --root "$work/store" export --sref app:latest --dref latest "$work/out" < /dev/null > "$work/export.out"
	t1=$(now)
	wall[export,$r]=$(secs "$t0" "$t1")
	expect_digest "cargohold export (round $r), its output" "$(awk '{ print $2 }' "$work/export.out")"
	expect_digest "the exported layout (round $r), skopeo inspect --raw | sha256sum" "$(raw_digest "$work/out")"
	if [ -z "$image_bytes" ]; then
		image_bytes=$(bytes_under "$work/out/blobs")
		image_blobs=$(find "$work/out/blobs" -type f | wc -l)
		echo "image latest: $image_blobs blobs, $image_bytes bytes ($(mib "$image_bytes") MiB); import: $(cat "$work/import.out")"
	fi
	check_blobs "$work/out" "the exported layout (round $r)"
	rm -rf "$work/store" "$work/out"

	# (c) skopeo copy into a fresh directory
	settle
	t0=$(now)
	skopeo copy -q --preserve-digests "oci:$layout:latest" "oci:$work/out:latest" < /dev/null
	t1=$(now)
	wall[skopeo,$r]=$(secs "$t0" "$t1")
	expect_digest "skopeo's copy (round $r), skopeo inspect --raw | sha256sum" "$(raw_digest "$work/out")"
	rm -rf "$work/out"

	# (d) cp -r, fsync of every file and directory of the copy, sha256sum of every blob of the copy
	settle
	t0=$(now)
	cp -r "$layout" "$work/out"
	find "$work/out" -print0 | xargs -0 sync --
	t1=$(now)
	(cd "$work/out/blobs/sha256" && sha256sum -- *) > "$work/cp.sums"
	t2=$(now)
	wall[cp,$r]=$(secs "$t0" "$t2")
	wall[cponly,$r]=$(secs "$t0" "$t1")
	wall[cpsum,$r]=$(secs "$t1" "$t2")
	bad=$(awk '$1 != substr($2, match($2, /[^*]/)) { print $2 }' "$work/cp.sums")
	[ -z "$bad" ] || die "cp (round $r): blobs of the copy that do not hash to their names: $bad"
	rm -rf "$work/out"
	echo "round $r: import ${wall[import,$r]} s, export ${wall[export,$r]} s, skopeo ${wall[skopeo,$r]} s, cp+sync+sha256sum ${wall[cp,$r]} s"
done

# Start-up cost of one CLI process (opening the store included), for reading the figures above.
"$cli" --root "$work/store" status > /dev/null < /dev/null
t0=$(now)
for _ in 1 2 3 4 5; do "$cli" --root "$work/store" status > /dev/null < /dev/null; done
t1=$(now)
startup=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 5e9 }')

median() { # $1 = key: the median of wall[key,1..rounds]
	local r
	for r in $(seq 1 "$rounds"); do echo "${wall[$1,$r]}"; done | sort -n |
		awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.2f", v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
declare -A med
for k in import export skopeo cp cponly cpsum; do med[$k]=$(median "$k"); done

echo
printf '%-44s %10s %8s' "phase" "MiB moved" "MiB/s"
for r in $(seq 1 "$rounds"); do printf ' %8s' "s r$r"; done
printf ' %8s\n' "s median"
row() { # label key bytes
	printf '%-44s %10s %8s' "$1" "$(mib "$3")" "$(rate "$3" "${med[$2]}")"
	for r in $(seq 1 "$rounds"); do printf ' %8s' "${wall[$2,$r]}"; done
	printf ' %8s\n' "${med[$2]}"
}
row "cargohold import" import "$image_bytes"
row "cargohold export" export "$image_bytes"
row "skopeo copy --preserve-digests" skopeo "$image_bytes"
row "cp -r + sync + sha256sum (whole layout)" cp "$layout_bytes"
row "  of which cp -r + sync" cponly "$layout_bytes"
row "  of which sha256sum of the copy's blobs" cpsum "$layout_bytes"
echo "(MiB/s from the median)"
echo
ratio() { # label bytesA keyA bytesB keyB: throughput ratio A / B
	awk -v ba="$2" -v sa="${med[$3]}" -v bb="$4" -v sb="${med[$5]}" -v l="$1" 'BEGIN { printf "%-56s %.2f\n", l, (ba / sa) / (bb / sb) }'
}
echo "throughput ratios (above 1: the first is faster):"
ratio "  cargohold import / skopeo copy" "$image_bytes" import "$image_bytes" skopeo
ratio "  cargohold export / skopeo copy" "$image_bytes" export "$image_bytes" skopeo
ratio "  cargohold import / (cp -r + sync + sha256sum)" "$image_bytes" import "$layout_bytes" cp
ratio "  cargohold export / (cp -r + sync + sha256sum)" "$image_bytes" export "$layout_bytes" cp
ratio "  skopeo copy / (cp -r + sync + sha256sum)" "$image_bytes" skopeo "$layout_bytes" cp
echo "one 'cargohold status' process (start-up + store open), mean of 5: ${startup} s"
echo "checked: exported layout and skopeo copy have manifest digest $want (skopeo inspect --raw | sha256sum)"
