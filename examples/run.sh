#!/usr/bin/env bash
# Builds and runs the examples/ project the way a user's project would: against Cargohold's artifacts
# installed (with sources and Javadoc jars, mvn install -Ppublish) into a fresh local repository, never
# against the source tree. Third-party artifacts are linked in from ~/.m2 when present, so no download
# is repeated; everything under io/cargohold comes from this run's install.
#
#   examples/run.sh [WORKDIR]      (default: target/examples under the project)
set -euo pipefail
top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
. "$top/bin/lib/jdk.sh"
export JAVA_HOME=$(cargohold_jdk)
export PATH="$JAVA_HOME/bin:$PATH"
work=${1:-$top/target/examples}
rm -rf "$work"
mkdir -p "$work"
repo="$work/m2"
mkdir -p "$repo"
if [ -d "$HOME/.m2/repository" ]; then
	# hard links where the file system allows, copies otherwise; without our own group
	cp -al "$HOME/.m2/repository/." "$repo/" 2>/dev/null || cp -a "$HOME/.m2/repository/." "$repo/"
	rm -rf "$repo/io/cargohold"
fi
echo "examples: installing Cargohold's API modules into $repo"
mvn -B -q -Dmaven.repo.local="$repo" -f "$top/pom.xml" -Ppublish -DskipTests -pl cargohold-copy -am install
for m in cargohold-base cargohold-content cargohold-oci cargohold-storage cargohold-copy; do
	for c in "" -sources -javadoc; do
		f="$repo/io/cargohold/$m/0.1.0-SNAPSHOT/$m-0.1.0-SNAPSHOT$c.jar"
		[ -s "$f" ] || { echo "examples: $f was not installed" >&2; exit 1; }
	done
done
# an image to copy: the built-in sample, written as an OCI layout by the CLI
"$top/bin/cargohold" --root "$work/store" copy -q sample:hello "oci:$work/layout:latest"
echo "examples: building and running examples/ (CopyIntoContainersStorage)"
mvn -B -q -Dmaven.repo.local="$repo" -f "$top/examples/pom.xml" package exec:exec \
	-Dexample.layout="$work/layout" -Dexample.graph="$work/graph" -Dexample.run="$work/run" | tee "$work/out"
grep -q "containers-storage:.*example/app:latest sha256:" "$work/out"
# the image is in the store, as upstream's CLI (ours) lists it
"$top/bin/containers-storage" --storage-driver vfs -g "$work/graph" -R "$work/run" images | tee "$work/images"
grep -q "example/app:latest" "$work/images"
echo "examples: ok"
