#!/usr/bin/env bash
# Issue 11: wall time of `cargohold copy` next to `skopeo copy` on the same images in the same run:
#   oci -> oci                     a fresh layout each time (blobs copied and verified)
#   oci -> containers-storage      a fresh vfs store each time (layers decompressed, hashed, applied)
# for make-test-images' small and large `app:latest` (or the layouts given), as medians of ROUNDS rounds
# and as the ratio cargohold / skopeo (goal: <= 0.7).
#
# Run bin/build first. Needs skopeo; make-test-images (run as root) unless layouts are given.
# Environment (all optional):
#   CARGOHOLD_BENCH_IMAGES  a directory holding make-test-images outputs `small/` and `large/` (made there
#                           when missing: ~3 minutes for large); default: a work directory
#   CARGOHOLD_BENCH_SIZES   which of them to run (default "small large")
#   CARGOHOLD_BENCH_ROUNDS  rounds per case (default 3); phases alternate cargohold, skopeo in every round
#   CARGOHOLD_BENCH_TMPDIR  where the stores and copies are made (default ${TMPDIR:-/tmp})
# Before each timed command: `sync -f` and a second's pause (so one tool's writeback and the discards of
# removed trees do not land in the other's figure); the tools take turns at going first. Each command is
# timed alone and together with a `sync -f` after it (its copy durable).
#   CARGOHOLD_BENCH_CACHE   warm (default): the page cache is not dropped (the source is read from cache by
#                           both tools); cold: dropped before every timed command (both read the source from
#                           disk; the kernel's time for creating files varied less run to run, section 20)
# Checks (exit 1 on failure): the oci copies' manifest digest equals the source's (both tools); the
# containers-storage copies give the same image ID and the same layer IDs with both tools.
set -euo pipefail
top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cli="$top/bin/cargohold"
die() { echo "copy bench: $*" >&2; exit 1; }
[ -f "$top/cargohold-cli/target/classpath" ] || die "cargohold is not built; run $top/bin/build first"
command -v skopeo > /dev/null || die "skopeo is not installed"
rounds=${CARGOHOLD_BENCH_ROUNDS:-3}
sizes=${CARGOHOLD_BENCH_SIZES:-small large}
base=${CARGOHOLD_BENCH_TMPDIR:-${TMPDIR:-/tmp}}
work=$(mktemp -d "$base/cargohold-copy-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
images=${CARGOHOLD_BENCH_IMAGES:-$work/images}
mti=${CARGOHOLD_BENCH_MTI:-$top/../shared/tools/make-test-images}

now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
settle() { sync -f "$work"; if [ "${CARGOHOLD_BENCH_CACHE:-warm}" = cold ]; then sync; echo 3 > /proc/sys/vm/drop_caches; fi; }
layer_ids() { # graph root -> sorted layer IDs
	python3 -c 'import json,sys; print(" ".join(sorted(l["id"] for l in json.load(open(sys.argv[1])))))' "$1/vfs-layers/layers.json"
}
image_ids() {
	python3 -c 'import json,sys; print(" ".join(sorted(i["id"] for i in json.load(open(sys.argv[1])))))' "$1/vfs-images/images.json"
}

echo "== cargohold copy vs skopeo copy, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "page cache: ${CARGOHOLD_BENCH_CACHE:-warm}"
echo "work dir: $work ($(findmnt -no FSTYPE -T "$work"))"
echo "java: $(. "$top/bin/lib/jdk.sh"; "$(cargohold_jdk)/bin/java" -version 2>&1 | sed -n 2p); $(skopeo --version)"
echo "git: $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$top" diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"

for size in $sizes; do
	if [ ! -f "$images/$size/app/index.json" ]; then
		[ -x "$mti" ] || die "no $images/$size/app and no make-test-images at $mti"
		echo "making the $size images with make-test-images ..."
		"$mti" -f "$images/$size" "$size" > "$work/mti-$size.log" 2>&1 || { tail -20 "$work/mti-$size.log"; die "make-test-images failed"; }
	fi
done
echo

for size in $sizes; do
	src="oci:$images/$size/app:latest"
	want=$(skopeo inspect --raw "$src" | sha256sum | awk '{ print "sha256:" $1 }')
	bytes=$(skopeo inspect --raw "$src" | python3 -c 'import json,sys; m=json.load(sys.stdin); print(m["config"]["size"]+sum(l["size"] for l in m["layers"]))')
	echo "-- $size: $src = $want, $(awk -v b="$bytes" 'BEGIN { printf "%.1f MiB", b / 1048576 }') of blobs"
	declare -A t=()
	# One timed phase: $1 = key, the rest = the command. Wall time of the command alone, and with a
	# `sync -f` after it (the copy durable on disk: skopeo leaves its layers to the kernel's writeback,
	# we sync each layer's tree before its record is committed).
	phase() {
		local key=$1; shift
		settle; sleep 1
		local t0 t1 t2
		t0=$(now); "$@" < /dev/null; t1=$(now); sync -f "$work"; t2=$(now)
		t[$key]+="$(secs "$t0" "$t1") "
		t[${key}_sync]+="$(secs "$t0" "$t2") "
	}
	for r in $(seq 1 "$rounds"); do
		# the tools take turns at going first
		if [ $((r % 2)) = 1 ]; then order="ours skopeo"; else order="skopeo ours"; fi
		for who in $order; do
			if [ "$who" = ours ]; then
				phase ours_oci "$cli" copy -q "$src" "oci:$work/out-ours:latest"
			else
				phase skopeo_oci skopeo copy -q "$src" "oci:$work/out-skopeo:latest"
			fi
		done
		for who in ours skopeo; do
			got=$(skopeo inspect --raw "oci:$work/out-$who:latest" | sha256sum | awk '{ print "sha256:" $1 }')
			[ "$got" = "$want" ] || die "$who's oci copy has manifest $got, not $want"
		done
		rm -rf "$work/out-ours" "$work/out-skopeo"
		for who in $order; do
			if [ "$who" = ours ]; then
				phase ours_cs "$cli" copy -q "$src" "containers-storage:[vfs@$work/g1-$r+$work/r1-$r]app:latest"
			else
				phase skopeo_cs skopeo copy -q "$src" "containers-storage:[vfs@$work/g2-$r+$work/r2-$r]app:latest"
			fi
		done
		[ "$(layer_ids "$work/g1-$r")" = "$(layer_ids "$work/g2-$r")" ] || die "layer IDs differ between cargohold's and skopeo's stores"
		[ "$(image_ids "$work/g1-$r")" = "$(image_ids "$work/g2-$r")" ] || die "image IDs differ between cargohold's and skopeo's stores"
		# the stores stay until every round of this size is done: ext4 skips inodes freed in the last minutes when
		# it allocates new ones, and deleting ~150,000 files between rounds made the next round's file creation up
		# to 5x slower for whichever tool came next (bench/README.md 26.1, 28)
		settle
	done
	printf '%-27s %-26s %-26s %-6s %s\n' "case ($size)" "cargohold s (median; all)" "skopeo s (median; all)" "ratio" "ratio incl. sync -f"
	for c in oci cs; do
		o=$(echo "${t[ours_$c]}" | median); s=$(echo "${t[skopeo_$c]}" | median)
		os=$(echo "${t[ours_${c}_sync]}" | median); ss=$(echo "${t[skopeo_${c}_sync]}" | median)
		name=$([ "$c" = oci ] && echo "oci -> oci" || echo "oci -> containers-storage")
		printf '%-27s %-26s %-26s %-6s %s\n' "$name" "$o (${t[ours_$c]% })" "$s (${t[skopeo_$c]% })" \
			"$(awk -v a="$o" -v b="$s" 'BEGIN { printf "%.2f", a / b }')" \
			"$(awk -v a="$os" -v b="$ss" 'BEGIN { printf "%.2f (%.2f s vs %.2f s)", a / b, a, b }')"
	done
	unset t
	echo
done
