#!/usr/bin/env bash
# Issue 13: the overlay driver. With the containers-storage CLI (ours: bin/containers-storage; upstream's:
# $CS_UPSTREAM, default /usr/bin/containers-storage), in one run:
#  1. apply: the large image's layers applied one by one (create-layer PARENT + applydiff -f BLOB), then
#     create-image and create-container on the top layer: ours with overlay, ours with vfs, upstream's with
#     overlay; medians of ROUNDS rounds (tools take turns going first) and the ratios ours-overlay/ours-vfs
#     and ours-overlay/upstream-overlay (goal <= 1.1);
#  2. disk: the store's size (du -sx of the graph root) after ten containers on that image, vfs vs overlay.
# Build first (bin/build); run as root (kernel overlay mounts). Knobs: CARGOHOLD_BENCH_IMAGE (an OCI layout,
# default /work/bench-images/large/app), ROUNDS (default 3), CARGOHOLD_BENCH_TMPDIR (default /tmp),
# CARGOHOLD_BENCH_VFS=0 (skip ours-with-vfs and the disk phase: ours vs upstream with overlay alone),
# CARGOHOLD_BENCH_CACHE: cold (default) drops the page cache before every timed apply (as bench/layers.sh),
# warm does not. Without it the kernel's time for the same files varied 2.5x from run to run (section 20.1).
# Every round's stores are kept (unmounted) until the end: on ext4 without a journal, creating inodes right
# after a large tree was deleted is slow for minutes (bench/README.md 26.1), which made every round after
# the first slower for both tools (section 28). Needs ~1.5 GB of free space per store and round.
set -euo pipefail
top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
ours="$top/bin/containers-storage"
up=${CS_UPSTREAM:-/usr/bin/containers-storage}
layout=${CARGOHOLD_BENCH_IMAGE:-/work/bench-images/large/app}
rounds=${ROUNDS:-3}
work=$(mktemp -d "${CARGOHOLD_BENCH_TMPDIR:-/tmp}/overlay-bench.XXXXXX")
cleanup() {
	{ grep " $work" /proc/self/mountinfo || true; } | awk '{print $5}' | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] || { echo "overlay bench: run as root" >&2; exit 1; }
manifest=$(jq -r '.manifests[0].digest' "$layout/index.json")
mapfile -t blobs < <(jq -r '.layers[].digest' "$layout/blobs/${manifest%%:*}/${manifest#*:}" | sed 's|:|/|')
echo "== overlay benchmark, $(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), ${#blobs[@]} layers of $layout, page cache ${CARGOHOLD_BENCH_CACHE:-cold}"

now() { date +%s%N; }
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# apply CLI DRIVER DIR: the image's layers, an image and a container; prints the image ID
apply() {
	local cs=$1 driver=$2 d=$3 parent="" id
	for b in "${blobs[@]}"; do
		id=$("$cs" --storage-driver "$driver" -g "$d/g" -R "$d/r" create-layer $parent)
		"$cs" --storage-driver "$driver" -g "$d/g" -R "$d/r" applydiff -f "$layout/blobs/$b" "$id"
		parent=$id
	done
	id=$("$cs" --storage-driver "$driver" -g "$d/g" -R "$d/r" create-image "$parent")
	"$cs" --storage-driver "$driver" -g "$d/g" -R "$d/r" create-container "$id" > /dev/null
	echo "$id"
}

declare -A times synced
for round in $(seq 1 "$rounds"); do
	order=("ours overlay" "ours vfs" "upstream overlay")
	[ $((round % 2)) = 0 ] && order=("upstream overlay" "ours vfs" "ours overlay")
	[ "${CARGOHOLD_BENCH_VFS:-1}" = 0 ] && order=("${order[0]}" "${order[2]}")
	for who in "${order[@]}"; do
		set -- $who
		cs=$ours; [ "$1" = upstream ] && cs=$up
		d="$work/$1-$2-$round"
		sync -f "$work"; [ "${CARGOHOLD_BENCH_CACHE:-cold}" = cold ] && echo 3 > /proc/sys/vm/drop_caches; sleep 1
		t0=$(now); apply "$cs" "$2" "$d" > /dev/null; t1=$(now); sync -f "$work"; t2=$(now)
		times[$who]="${times[$who]:-} $(( (t1 - t0) / 1000000 ))"
		synced[$who]="${synced[$who]:-} $(( (t2 - t0) / 1000000 ))"
		"$cs" --storage-driver "$2" -g "$d/g" -R "$d/r" shutdown -f > /dev/null 2>&1 || true
		{ grep " $d" /proc/self/mountinfo || true; } | awk '{print $5}' | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
	done
done
echo "-- apply ${#blobs[@]} layers + image + container (ms, median of $rounds; rounds:${times[ours overlay]} |${times[ours vfs]:-} |${times[upstream overlay]})"
oo=$(echo "${times[ours overlay]}" | median); ov=$(echo "${times[ours vfs]:-0}" | median); ov=${ov:-0}; uo=$(echo "${times[upstream overlay]}" | median)
printf '   ours overlay %6d   ours vfs %6d   upstream overlay %6d\n' "$oo" "$ov" "$uo"
awk -v a="$oo" -v b="$ov" -v c="$uo" 'BEGIN { if (b > 0) printf "   ours overlay / ours vfs = %.2f   ", a / b; printf "ours overlay / upstream overlay = %.2f\n", a / c }'
# ours syncs every layer (syncfs: crash safety), upstream 1.43.0 never does: the same figures with a `sync -f`
# after the last command, so the writing of the data both tools leave is counted for both
oos=$(echo "${synced[ours overlay]}" | median); uos=$(echo "${synced[upstream overlay]}" | median)
echo "-- the same including a final sync -f (ms; rounds:${synced[ours overlay]} |${synced[upstream overlay]})"
printf '   ours overlay %6d   upstream overlay %6d   ' "$oos" "$uos"
awk -v a="$oos" -v c="$uos" 'BEGIN { printf "ours overlay / upstream overlay = %.2f\n", a / c }'
[ "${CARGOHOLD_BENCH_VFS:-1}" = 0 ] && exit 0

echo "-- disk after ten containers on the image (du -sx of the graph root)"
for driver in vfs overlay; do
	d="$work/disk-$driver"
	img=$(apply "$ours" "$driver" "$d")
	for i in $(seq 2 10); do "$ours" --storage-driver "$driver" -g "$d/g" -R "$d/r" create-container "$img" > /dev/null; done
	printf '   %-8s %s\n' "$driver" "$(du -sxh "$d/g" | cut -f1) ($(du -sxb "$d/g" | cut -f1) bytes)"
	"$ours" --storage-driver "$driver" -g "$d/g" -R "$d/r" shutdown -f > /dev/null 2>&1 || true
done
