#!/usr/bin/env bash
# Issue 3: JMH benchmark of BlobStore.resolve against an index of 1,000,000 rows
# (cargohold-bench, io.cargohold.bench.ResolveBenchmark). Builds the module, then runs JMH with a
# single fork, 3 warm-up and 5 measured iterations of 2 s each; every benchmark method runs in its
# own fork, whose setup inserts the million rows again and prints how long that took ("[setup]").
#
# Extra arguments go to JMH; an option given there replaces the default of the same name, e.g.
#   bench/resolve.sh -p rows=100000          a smaller index
#   bench/resolve.sh 'ResolveBenchmark.full' only the benchmarks matching a regex
#   bench/resolve.sh -h                      JMH's options
# Results: the console, plus bench/out/resolve.log and bench/out/resolve.json (not versioned).
set -euo pipefail
top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
. "$top/bin/lib/jdk.sh"
export JAVA_HOME=$(cargohold_jdk)
cd "$top"
mvn -B -q package -DskipTests -pl cargohold-bench -am
t="$top/cargohold-bench/target"
jar=$(ls "$t"/cargohold-bench-*.jar | grep -v -e sources -e tests | head -n1)
mkdir -p "$top/bench/out"
# JMH rejects an option given twice, so a default is passed only when the caller did not give it.
defaults=(-f 1 -wi 3 -i 5 -w 2s -r 2s -bm avgt -tu us -rf json -rff "$top/bench/out/resolve.json")
args=()
for ((k = 0; k < ${#defaults[@]}; k += 2)); do
	given=false
	for a in "$@"; do [ "$a" = "${defaults[k]}" ] && given=true; done
	$given || args+=("${defaults[k]}" "${defaults[k + 1]}")
done
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -cp "$jar:$t/lib/*" org.openjdk.jmh.Main \
	"${args[@]}" "$@" 2>&1 | tee "$top/bench/out/resolve.log"
exit "${PIPESTATUS[0]}"
