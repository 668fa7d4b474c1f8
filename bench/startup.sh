#!/usr/bin/env bash
# Issue 17: start-up of short commands next to the JVM's own floor, in one run (README, "Start-up").
#   floor       a hello-world (one class in a jar) on the same JDK with its own AOT cache, started with
#               the launchers' options (Serial GC, C1 only): what any JVM command costs here
#   cs layers   bin/containers-storage --storage-driver vfs -g G -R R layers, on an empty store
#   list        bin/cargohold --root S list      (a store holding the two images of a generated layout)
#   status      bin/cargohold --root S status
#   blob get    bin/cargohold --root S blob get DIGEST > /dev/null   (a 20-byte blob)
#   upstream    /usr/bin/containers-storage … layers (Debian's build of upstream v1.43.0), when installed
#   sqlite      what the libraries alone allow a read: a one-class program with its own AOT cache (the floor's
#               options) that opens the small store's index read-only through sqlite-jdbc as our code does (the
#               driver directly, bin/build's extracted native library, SLF4J simple as the driver's logger) and
#               runs one query; "sqlite parallel" also makes the time zone and calendar data the driver's eager date
#               format needs on a second thread while the main thread loads the native library (as bin/cargohold)
#   floor+BigDecimal, floor+json, floor+toml+json: what the libraries every command needs cost on their own,
#               each a one-class program with its own AOT cache and the floor's options: the hello-world
#               touching BigDecimal (JDK 25's BigDecimal initialiser, which every Jackson parser runs: its
#               base class holds BigDecimal constants); reading a containers-storage layers.json (two
#               layers) with jackson-core's streaming parser into maps and printing ids and names, as the
#               record reads do; and that after reading storage.conf (/usr/share/containers or
#               /etc/containers) with jackson-dataformat-toml's parser and taking the store's four lock
#               files' locks (FileChannel, shared), as `containers-storage layers` does before its read
# Every command runs N times (default 21, CARGOHOLD_BENCH_RUNS), interleaved (one run of each in turn,
# so load from other processes spreads over all of them); prints each median, the minimum, and the
# median's ratio to the floor's, the median CPU time (user + sys) and its ratio to the floor's, and the
# classes one run loads (and how many of them not from an AOT cache), with the load average before and
# after. Run bin/build first.
set -euo pipefail
top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
. "$top/bin/lib/jdk.sh"
jdk=$(cargohold_jdk)
runs=${CARGOHOLD_BENCH_RUNS:-21}
work=$(mktemp -d "${CARGOHOLD_BENCH_TMPDIR:-/tmp}/cargohold-startup.XXXXXX")
trap 'rm -rf "$work"' EXIT
[ -f "$top/cargohold-cli/target/classpath" ] || { echo "startup: run bin/build first" >&2; exit 1; }

# the floor: its own jar and AOT cache, made here with the same JDK
mkdir "$work/hello"
printf 'public class Hello { public static void main(String[] a) { System.out.println("hello"); } }\n' > "$work/hello/Hello.java"
"$jdk/bin/javac" -d "$work/hello" "$work/hello/Hello.java"
"$jdk/bin/jar" cf "$work/hello/hello.jar" -C "$work/hello" Hello.class
floor_opts=(-XX:+UseSerialGC -XX:-UsePerfData -XX:TieredStopAtLevel=1 -cp "$work/hello/hello.jar")
"$jdk/bin/java" -XX:AOTCacheOutput="$work/hello/hello.aot" "${floor_opts[@]}" Hello > "$work/hello/log" 2>&1

# the library floors: one class over the containers-storage CLI's Jackson jars, each variant with its own AOT cache
mkdir "$work/jfloor"
cat > "$work/jfloor/JacksonFloor.java" <<'JAVA'
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public class JacksonFloor {
    static Object value(JsonParser p, JsonToken t) throws Exception {
        // (if, not a switch over the enum: that would compile to a second class, JacksonFloor$1)
        if (t == JsonToken.START_OBJECT) {
            Map<String, Object> m = new LinkedHashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String n = p.currentName();
                m.put(n, value(p, p.nextToken()));
            }
            return m;
        }
        if (t == JsonToken.START_ARRAY) {
            List<Object> l = new ArrayList<>();
            for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                l.add(value(p, e));
            }
            return l;
        }
        if (t == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        if (t == JsonToken.VALUE_NUMBER_INT) {
            return p.getLongValue();
        }
        return t == JsonToken.VALUE_TRUE ? Boolean.TRUE : t == JsonToken.VALUE_FALSE ? Boolean.FALSE : null;
    }

    /** MODE [ROOT [CONF]]: bigdecimal | json ROOT | toml+json ROOT CONF */
    public static void main(String[] a) throws Exception {
        StringBuilder out = new StringBuilder();
        if (a[0].equals("bigdecimal")) {
            out.append(java.math.BigDecimal.ONE.signum()).append('\n');
        }
        if (a[0].startsWith("toml")) {
            com.fasterxml.jackson.dataformat.toml.TomlFactory f = com.fasterxml.jackson.dataformat.toml.TomlFactory.builder().build();
            try (JsonParser p = f.createParser(Files.readString(Path.of(a[2])))) {
                out.append(value(p, p.nextToken())).append('\n');
            }
            for (String n : new String[] {"storage.lock", "vfs-layers/layers.lock", "vfs-images/images.lock", "vfs-containers/containers.lock"}) {
                FileChannel.open(Path.of(a[1], n), StandardOpenOption.READ, StandardOpenOption.WRITE).lock(0, Long.MAX_VALUE, true);
            }
        }
        if (a[0].endsWith("json")) {
            try (JsonParser p = new JsonFactory().createParser(Files.readAllBytes(Path.of(a[1], "vfs-layers/layers.json")))) {
                for (Object o : (List<?>) value(p, p.nextToken())) {
                    Map<?, ?> m = (Map<?, ?>) o;
                    out.append(m.get("id")).append('\n');
                    for (Object n : (List<?>) m.get("names")) {
                        out.append("\tname: ").append(n).append('\n');
                    }
                }
            }
        }
        System.out.print(out);
        Runtime.getRuntime().halt(0);
    }
}
JAVA
jlib="$top/cargohold-cstorage/target/lib"
jcp=$(ls "$jlib"/jackson-core-*.jar "$jlib"/jackson-databind-*.jar "$jlib"/jackson-annotations-*.jar "$jlib"/jackson-dataformat-toml-*.jar | tr '\n' :)
"$jdk/bin/javac" -cp "$jcp" -d "$work/jfloor" "$work/jfloor/JacksonFloor.java"
"$jdk/bin/jar" cf "$work/jfloor/jfloor.jar" -C "$work/jfloor" JacksonFloor.class
jfloor_opts=(-XX:+UseSerialGC -XX:-UsePerfData -XX:TieredStopAtLevel=1 -cp "${jcp}$work/jfloor/jfloor.jar")
conf=
for c in /etc/containers/storage.conf /usr/share/containers/storage.conf; do [ -f "$c" ] && { conf=$c; break; }; done
jstore="$work/jstore"
"$top/bin/containers-storage" --storage-driver vfs -g "$jstore" -R "$work/jrun" create-layer -n base > /dev/null
"$top/bin/containers-storage" --storage-driver vfs -g "$jstore" -R "$work/jrun" create-layer -n child base > /dev/null
jmodes=(bigdecimal json)
[ -n "$conf" ] && jmodes+=(toml+json)
for m in "${jmodes[@]}"; do
	"$jdk/bin/java" -XX:AOTCacheOutput="$work/jfloor/$m.aot" "${jfloor_opts[@]}" JacksonFloor "$m" "$jstore" "$conf" > "$work/jfloor/$m.log" 2>&1
done

# a small store: the two tags of a generated layout (testkit's TestImages.twoTagsSharingLayers)
store="$work/store"
layout="$work/layout"
t="$top/cargohold-cli/target"
printf 'public class Gen { public static void main(String[] a) throws Exception { io.cargohold.testkit.images.TestImages.twoTagsSharingLayers(java.nio.file.Path.of(a[0])); } }\n' > "$work/Gen.java"
tk=$(ls "$top"/cargohold-testkit/target/cargohold-testkit-*.jar | grep -v -e sources -e tests -e javadoc | head -n1)
"$jdk/bin/java" -cp "$(<"$t/classpath"):$tk" "$work/Gen.java" "$layout" > /dev/null
"$top/bin/cargohold" --root "$store" import --all --repo bench "$layout" > /dev/null
printf 'a small blob of text\n' > "$work/blob"
digest=$("$top/bin/cargohold" --root "$store" blob put "$work/blob")
"$top/bin/cargohold" --root "$store" status > /dev/null
cs_root=("$top/bin/containers-storage" --storage-driver vfs -g "$work/g" -R "$work/r")
"${cs_root[@]}" layers > /dev/null

# the sqlite floor: SqliteRead.java, compiled against the CLI's jars, in a jar and AOT cache of its own
t_lib="$top/cargohold-cli/target/lib"
read -r cli_cp < "$t/classpath"
native=${cli_cp#*/lib/sqlite-jdbc-}
native="$t/native/sqlite-jdbc-${native%%.jar*}"
mkdir "$work/sqlite"
cat > "$work/sqlite/SqliteRead.java" <<'JAVA'
public class SqliteRead {
    public static void main(String[] a) throws Exception {
        if (a[0].equals("parallel")) {
            Thread t = new Thread(() -> { java.util.TimeZone.getDefault(); java.util.Calendar.getInstance(); new java.text.DateFormatSymbols(java.util.Locale.getDefault()); });
            t.setDaemon(true);
            t.start();
            org.sqlite.core.NativeDB.load();
        }
        org.sqlite.SQLiteConfig cfg = new org.sqlite.SQLiteConfig();
        cfg.setReadOnly(true);
        try (java.sql.Connection c = org.sqlite.JDBC.createConnection("jdbc:sqlite:" + a[1], cfg.toProperties());
             java.sql.Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery("SELECT count(*) FROM kv")) {
            rs.next();
            System.out.println(rs.getLong(1));
        }
    }
}
JAVA
sqlite_cp="$work/sqlite/sqlite.jar:$(ls "$t_lib"/sqlite-jdbc-*.jar | head -n1):$(ls "$t_lib"/slf4j-api-*.jar | head -n1):$(ls "$t_lib"/slf4j-simple-*.jar | head -n1)"
"$jdk/bin/javac" -cp "$sqlite_cp" -d "$work/sqlite" "$work/sqlite/SqliteRead.java"
"$jdk/bin/jar" cf "$work/sqlite/sqlite.jar" -C "$work/sqlite" SqliteRead.class
sqlite_opts=(-XX:+UseSerialGC -XX:-UsePerfData -XX:TieredStopAtLevel=1 --enable-native-access=ALL-UNNAMED
	-Dslf4j.provider=org.slf4j.simple.SimpleServiceProvider -Dslf4j.internal.verbosity=WARN
	-Dorg.sqlite.lib.path="$native" -Dorg.sqlite.lib.name=libsqlitejdbc.so -Dorg.sqlite.tmpdir="$native" -cp "$sqlite_cp")
for m in serial parallel; do
	"$jdk/bin/java" -XX:AOTCacheOutput="$work/sqlite/$m.aot" "${sqlite_opts[@]}" SqliteRead $m "$store/cargohold.db" > "$work/sqlite/$m.log" 2>&1
done

names=(floor "cs layers" list status "blob get")
cmds=(
	"$jdk/bin/java -XX:AOTCache=$work/hello/hello.aot ${floor_opts[*]} Hello"
	"${cs_root[*]} layers"
	"$top/bin/cargohold --root $store list"
	"$top/bin/cargohold --root $store status"
	"$top/bin/cargohold --root $store blob get $digest"
)
for m in "${jmodes[@]}"; do
	names+=("floor+$m")
	cmds+=("$jdk/bin/java -XX:AOTCache=$work/jfloor/$m.aot ${jfloor_opts[*]} JacksonFloor $m $jstore $conf")
done
if [ -x /usr/bin/containers-storage ]; then
	/usr/bin/containers-storage --storage-driver vfs -g "$work/ug" -R "$work/ur" layers > /dev/null
	names+=("upstream layers")
	cmds+=("/usr/bin/containers-storage --storage-driver vfs -g $work/ug -R $work/ur layers")
fi
names+=(sqlite "sqlite parallel")
cmds+=("$jdk/bin/java -XX:AOTCache=$work/sqlite/serial.aot ${sqlite_opts[*]} SqliteRead serial $store/cargohold.db"
	"$jdk/bin/java -XX:AOTCache=$work/sqlite/parallel.aot ${sqlite_opts[*]} SqliteRead parallel $store/cargohold.db")
for c in "${cmds[@]}"; do $c > /dev/null || { echo "startup: failed: $c" >&2; exit 1; }; done

echo "== start-up, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $runs runs each, git $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
# CPU time (user + sys) of each run: the shell's `times` (its finished children's total) before and
# after, written to a file by this shell itself (in a $(...) subshell the children's times start at 0)
cpu_of() { # FILE (written by times) -> the children's user+sys, microseconds
	awk 'NR == 2 { n = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); n += a[1] * 60 + a[2] } printf "%d", n * 1000000 }' "$1"
}
for i in $(seq 1 "$runs"); do
	for k in "${!cmds[@]}"; do
		times > "$work/cpu0"
		s=$(date +%s%N)
		${cmds[$k]} > /dev/null
		e=$(date +%s%N)
		times > "$work/cpu1"
		echo "$k $(( (e - s) / 1000 )) $(( $(cpu_of "$work/cpu1") - $(cpu_of "$work/cpu0") ))" >> "$work/times"
	done
done
echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)"
stat() { # index [column] -> "median min" in ms (column 2: wall time, 3: CPU time)
	awk -v k="$1" -v c="${2:-2}" '$1 == k { print $c }' "$work/times" | sort -n |
		awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f %.1f", m / 1000, v[1] / 1000 }'
}
# classes loaded by one more run of each (-Xlog:class+load): all, and those not from an AOT cache
classes() { # index -> "all not-from-the-cache"
	local log
	case "${names[$1]}" in
		floor) log=$("$jdk/bin/java" -Xlog:class+load -XX:AOTCache="$work/hello/hello.aot" "${floor_opts[@]}" Hello) ;;
		floor+*) log=$("$jdk/bin/java" -Xlog:class+load -XX:AOTCache="$work/jfloor/${names[$1]#floor+}.aot" "${jfloor_opts[@]}" JacksonFloor "${names[$1]#floor+}" "$jstore" $conf) ;;
		"cs layers") log=$(CSTORAGE_JAVA_OPTS=-Xlog:class+load ${cmds[$1]}) ;;
		upstream*) echo "- -"; return ;;
		sqlite*) log=$(${cmds[$1]/\/java /\/java -Xlog:class+load }) ;;
		*) log=$(CARGOHOLD_JAVA_OPTS=-Xlog:class+load ${cmds[$1]}) ;;
	esac
	echo "$(grep -c 'class,load' <<< "$log") $(grep 'class,load' <<< "$log" | grep -vc 'shared objects file')"
}
floor=$(stat 0 | cut -d' ' -f1)
floor_cpu=$(stat 0 3 | cut -d' ' -f1)
printf '| %-16s | %9s | %8s | %8s | %8s | %9s | %8s |\n' command "median ms" "min ms" "× floor" "CPU ms" "CPU × fl." "classes"
printf '|%s|%s|%s|%s|%s|%s|%s|\n' ------------------ ----------: ---------: ---------: ---------: ----------: ---------:
for k in "${!cmds[@]}"; do
	read -r m n <<< "$(stat "$k")"
	read -r cm _ <<< "$(stat "$k" 3)"
	read -r ca cn <<< "$(classes "$k")"
	printf '| %-16s | %9s | %8s | %8s | %8s | %9s | %8s |\n' "${names[$k]}" "$m" "$n" "$(awk -v a="$m" -v b="$floor" 'BEGIN { printf "%.2f", a / b }')" \
		"$cm" "$(awk -v a="$cm" -v b="$floor_cpu" 'BEGIN { printf "%.2f", a / b }')" "$ca${cn:+ ($cn)}"
done
echo "(CPU: user + sys of the process, median; classes: loaded by one run (-Xlog:class+load), in brackets those not from an AOT cache)"
