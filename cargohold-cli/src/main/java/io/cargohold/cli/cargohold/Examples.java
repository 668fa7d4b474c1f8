package io.cargohold.cli.cargohold;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * One or more examples per command, shown by {@code --help} in an "Examples:" section before the
 * footer and in the man pages ({@link io.cargohold.cli.Docs}). Kept in one table so that a test can
 * check that every command has one and that each parses as the command it illustrates.
 */
public final class Examples {
    private Examples() {
    }

    public static final String SECTION = "examples";

    /** By qualified command name (as picocli prints it: {@code cargohold blob data set}). */
    public static final Map<String, List<String>> BY_COMMAND = Map.ofEntries(
            Map.entry("cargohold", List.of("cargohold demo", "cargohold copy oci:/tmp/layout:latest cargohold:app:1", "cargohold list")),
            Map.entry("cargohold demo", List.of("cargohold demo", "cargohold demo --storage-root /tmp/cs --json")),
            Map.entry("cargohold status", List.of("cargohold status --json")),
            Map.entry("cargohold info", List.of("cargohold info", "cargohold info --json")),
            Map.entry("cargohold copy", List.of("cargohold copy oci:/tmp/layout:latest 'containers-storage:[vfs@/tmp/g+/tmp/r]app:1'",
                    "cargohold copy --all docker://localhost:5000/app:1 cargohold:app:1",
                    "cargohold copy --dest-compress-format zstd cargohold:app:1 oci-archive:/tmp/app.tar")),
            Map.entry("cargohold import", List.of("cargohold import --sref latest --dref app:1 /tmp/layout",
                    "cargohold import --docker-archive /tmp/app.docker.tar")),
            Map.entry("cargohold export", List.of("cargohold export --sref app:1 --dref latest /tmp/layout")),
            Map.entry("cargohold list", List.of("cargohold list", "cargohold list --format '{{.Reference}} {{.Size}}'",
                    "cargohold list --format 'table {{.Repository}}\\t{{.Tag}}\\t{{.Digest}}'", "cargohold list --json")),
            Map.entry("cargohold inspect", List.of("cargohold inspect app:1", "cargohold inspect --json app:1 app:2",
                    "cargohold inspect --raw app:1")),
            Map.entry("cargohold rm", List.of("cargohold rm app:1")),
            Map.entry("cargohold check", List.of("cargohold check app:1", "cargohold check app:1 app:2", "cargohold check --json app:1")),
            Map.entry("cargohold gc", List.of("cargohold gc --dry-run", "cargohold gc --json")),
            Map.entry("cargohold blob", List.of("cargohold blob put ./file", "cargohold blob get 1a2b3c -o ./copy")),
            Map.entry("cargohold blob put", List.of("cargohold blob put --media-type application/octet-stream ./file",
                    "printf hello | cargohold blob put -")),
            Map.entry("cargohold blob get", List.of("cargohold blob get sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
                    "cargohold blob get 2cf24d -o ./hello")),
            Map.entry("cargohold blob ls", List.of("cargohold blob ls --json")),
            Map.entry("cargohold blob info", List.of("cargohold blob info 2cf24d")),
            Map.entry("cargohold blob resolve", List.of("cargohold blob resolve 2cf24d")),
            Map.entry("cargohold blob rm", List.of("cargohold blob rm 2cf24d 486ea4")),
            Map.entry("cargohold blob data", List.of("cargohold blob data set 2cf24d label greeting")),
            Map.entry("cargohold blob data set", List.of("cargohold blob data set 2cf24d label greeting")),
            Map.entry("cargohold blob data get", List.of("cargohold blob data get 2cf24d label")),
            Map.entry("cargohold blob data ls", List.of("cargohold blob data ls 2cf24d")),
            Map.entry("cargohold blob data rm", List.of("cargohold blob data rm 2cf24d label")),
            Map.entry("cargohold kv", List.of("cargohold kv set builds main-42 ok --blob 2cf24d", "cargohold kv ls builds")),
            Map.entry("cargohold kv set", List.of("cargohold kv set builds main-42 ok --blob 2cf24d")),
            Map.entry("cargohold kv get", List.of("cargohold kv get builds main-42")),
            Map.entry("cargohold kv ls", List.of("cargohold kv ls builds --json")),
            Map.entry("cargohold kv rm", List.of("cargohold kv rm builds main-42")),
            Map.entry("cargohold fsck", List.of("cargohold fsck", "cargohold fsck --repair", "cargohold fsck --rebuild-index")),
            Map.entry("cargohold login", List.of("printf '%s' \"$PASS\" | cargohold login -u me --password-stdin localhost:5000")),
            Map.entry("cargohold logout", List.of("cargohold logout localhost:5000")),
            Map.entry("cargohold ls-tags", List.of("cargohold ls-tags --tls-verify=false docker://localhost:5000/app")),
            Map.entry("cargohold referrers", List.of("cargohold referrers --tls-verify=false docker://localhost:5000/app:v1",
                    "cargohold referrers --artifact-type application/spdx+json --json docker://localhost:5000/app:v1")));

    /** Adds the "Examples:" section to {@code cl} and every subcommand that has examples. */
    public static void install(CommandLine cl) {
        List<String> examples = BY_COMMAND.get(cl.getCommandSpec().qualifiedName());
        if (examples != null) {
            List<String> keys = new java.util.ArrayList<>(cl.getHelpSectionKeys());
            if (!keys.contains(SECTION)) {
                keys.add(keys.indexOf(UsageMessageSpec.SECTION_KEY_FOOTER_HEADING), SECTION);
                cl.setHelpSectionKeys(keys);
            }
            cl.getHelpSectionMap().put(SECTION, help -> {
                String nl = System.lineSeparator();
                StringBuilder b = new StringBuilder(nl).append(examples.size() > 1 ? "Examples:" : "Example:").append(nl);
                for (String e : examples) {
                    b.append("  ").append(e).append(nl);
                }
                return b.toString();
            });
        }
        for (CommandLine sub : new LinkedHashSet<>(cl.getSubcommands().values())) {
            install(sub);
        }
    }
}
