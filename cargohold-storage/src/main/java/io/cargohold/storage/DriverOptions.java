package io.cargohold.storage;

import io.cargohold.errors.InvalidArgumentException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A graph driver's options ({@code --storage-opt}, {@code STORAGE_OPTS}, storage.conf's
 * {@code [storage.options]}), {@code KEY=VALUE} strings parsed and checked as upstream's drivers do at
 * Init, with their messages. vfs: {@code vfs.imagestore} / {@code .imagestore} (comma-separated additional
 * read-only stores), {@code vfs.ignore_chown_errors} / {@code .ignore_chown_errors}; {@code vfs.mountopt} and
 * anything else are refused. overlay (keys case-folded, {@code overlay.}, {@code overlay2.} or {@code .}
 * prefixed): {@code mountopt}, {@code imagestore} / {@code additionalimagestore} (absolute directories),
 * {@code mount_program} (must exist), {@code skip_mount_home}, {@code ignore_chown_errors},
 * {@code force_mask} ({@code shared}, {@code private} or octal), {@code override_kernel_check} (ignored),
 * {@code size} (go-units' RAMInBytes) and {@code inodes} (XFS project quotas: the driver refuses them at Init
 * when the backing file system is not XFS, as upstream does), {@code additionallayerstore} (absolute
 * directories, each optionally {@code :ref}; checked as upstream checks them, not used: see the README).
 *
 * @param raw           the options as given, after checking
 * @param imageStores   the additional read-only image stores they name (relative paths resolved against the working directory)
 * @param ignoreChownErrors whether they set ignore_chown_errors
 */
public record DriverOptions(List<String> raw, List<Path> imageStores, boolean ignoreChownErrors, String mountProgram,
                            String mountOptions, Integer forceMask, boolean skipMountHome, long quotaSize, long quotaInodes,
                            List<LayerStoreDir> layerStores) {
    public DriverOptions {
        raw = List.copyOf(raw);
        imageStores = List.copyOf(imageStores);
        mountProgram = mountProgram == null ? "" : mountProgram;
        mountOptions = mountOptions == null ? "" : mountOptions;
        layerStores = List.copyOf(layerStores);
    }

    /** One {@code overlay.additionallayerstore} entry: its directory and whether {@code :ref} was given. */
    public record LayerStoreDir(Path path, boolean withReference) {
    }

    public static final DriverOptions NONE = new DriverOptions(List.of(), List.of(), false, "", "", null, false, 0, 0, List.of());

    /** Parses {@code options} for {@code driver}; relative paths are resolved against {@code cwd}. */
    public static DriverOptions parse(String driver, List<String> options, Path cwd) throws InvalidArgumentException {
        if (driver.equals("overlay") || driver.equals("overlay2")) {
            return parseOverlay(options);
        }
        List<Path> imageStores = new ArrayList<>();
        boolean ignoreChown = false;
        for (String option : options) {
            int eq = option.indexOf('=');
            if (eq < 0) {
                throw new InvalidArgumentException("unable to parse key/value option: " + option);
            }
            String key = option.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String val = option.substring(eq + 1).strip();
            switch (driver) {
                case "vfs" -> {
                    switch (key) {
                        case "vfs.imagestore", ".imagestore" -> {
                            for (String s : val.split(",", -1)) {
                                imageStores.add(cwd.resolve(s).normalize());
                            }
                        }
                        case "vfs.mountopt" -> throw new InvalidArgumentException("vfs driver does not support mount options");
                        case ".ignore_chown_errors", "vfs.ignore_chown_errors" -> ignoreChown = parseBool(val);
                        default -> throw new InvalidArgumentException("vfs driver does not support " + key + " options");
                    }
                }
                default -> throw new InvalidArgumentException("failed to GetDriver graph " + driver + ": driver not supported");
            }
        }
        return new DriverOptions(options, imageStores, ignoreChown, "", "", null, false, 0, 0, List.of());
    }

    /** Upstream's overlay parseOptions, with its messages. */
    private static DriverOptions parseOverlay(List<String> options) throws InvalidArgumentException {
        List<Path> imageStores = new ArrayList<>();
        boolean ignoreChown = false;
        String mountProgram = "";
        String mountOptions = "";
        Integer forceMask = null;
        boolean skipMountHome = false;
        long size = 0;
        long inodes = 0;
        List<LayerStoreDir> layerStores = new ArrayList<>();
        for (String option : options) {
            int eq = option.indexOf('=');
            if (eq < 0) {
                throw new InvalidArgumentException("unable to parse key/value option: " + option);
            }
            String key = option.substring(0, eq).strip();
            String val = option.substring(eq + 1).strip();
            String k = key.toLowerCase(Locale.ROOT);
            for (String prefix : List.of("overlay.", "overlay2.", ".")) {
                if (k.startsWith(prefix)) {
                    k = k.substring(prefix.length());
                }
            }
            switch (k) {
                case "override_kernel_check" -> {
                }
                case "mountopt" -> mountOptions = val;
                case "size" -> size = ramInBytes(val);
                case "inodes" -> inodes = parseUint(val);
                case "imagestore", "additionalimagestore" -> {
                    if (val.isEmpty()) {
                        continue;
                    }
                    for (String store : val.split(",", -1)) {
                        String clean = Path.of(store.isEmpty() ? "." : store).normalize().toString();
                        if (!clean.startsWith("/")) {
                            throw new InvalidArgumentException("overlay: image path " + goQuote(clean) + " is not absolute.  Can not be relative");
                        }
                        Path p = Path.of(clean);
                        if (!java.nio.file.Files.exists(p)) {
                            throw new InvalidArgumentException("overlay: can't stat imageStore dir " + clean + ": stat " + clean
                                    + ": no such file or directory");
                        }
                        if (!java.nio.file.Files.isDirectory(p)) {
                            throw new InvalidArgumentException("overlay: image path " + goQuote(clean) + " must be a directory");
                        }
                        imageStores.add(p);
                    }
                }
                case "additionallayerstore" -> {
                    if (val.isEmpty()) {
                        continue;
                    }
                    for (String lstore : val.split(",", -1)) {
                        String[] elems = lstore.split(":", -1);
                        String clean = Path.of(elems[0].isEmpty() ? "." : elems[0]).normalize().toString();
                        if (clean.isEmpty()) {
                            clean = ".";
                        }
                        if (!clean.startsWith("/")) {
                            throw new InvalidArgumentException("overlay: additionallayerstore path " + goQuote(clean)
                                    + " is not absolute.  Can not be relative");
                        }
                        Path p = Path.of(clean);
                        if (!java.nio.file.Files.exists(p)) {
                            throw new InvalidArgumentException("overlay: can't stat additionallayerstore dir: stat " + clean
                                    + ": no such file or directory");
                        }
                        if (!java.nio.file.Files.isDirectory(p)) {
                            throw new InvalidArgumentException("overlay: additionallayerstore path " + goQuote(clean) + " must be a directory");
                        }
                        boolean withReference = false;
                        for (int i = 1; i < elems.length; i++) {
                            if (!elems[i].equals("ref")) {
                                throw new InvalidArgumentException("overlay: additionallayerstore config " + goQuote(clean)
                                        + " contains unknown option " + goQuote(elems[i]));
                            }
                            if (withReference) {
                                throw new InvalidArgumentException("overlay: additionallayerstore config of " + goQuote(clean)
                                        + " contains \"ref\" option twice");
                            }
                            withReference = true;
                        }
                        layerStores.add(new LayerStoreDir(p, withReference));
                    }
                }
                case "mount_program" -> {
                    if (!val.isEmpty() && !java.nio.file.Files.exists(Path.of(val))) {
                        throw new InvalidArgumentException("overlay: can't stat program " + goQuote(val) + ": stat " + val
                                + ": no such file or directory");
                    }
                    mountProgram = val;
                }
                // upstream assigns ParseBool's error to a variable it never reads: a bad value is false, silently
                case "skip_mount_home" -> skipMountHome = List.of("1", "t", "T", "TRUE", "true", "True").contains(val);
                case "ignore_chown_errors" -> ignoreChown = parseBool(val);
                case "force_mask" -> {
                    switch (val) {
                        case "shared" -> forceMask = 0755;
                        case "private" -> forceMask = 0700;
                        default -> {
                            try {
                                forceMask = Integer.parseInt(val, 8);
                            } catch (NumberFormatException e) {
                                throw new InvalidArgumentException("strconv.ParseInt: parsing " + goQuote(val) + ": invalid syntax");
                            }
                        }
                    }
                }
                default -> throw new InvalidArgumentException("overlay: Unknown option " + key);
            }
        }
        return new DriverOptions(options, imageStores, ignoreChown, mountProgram, mountOptions, forceMask, skipMountHome, size, inodes,
                layerStores);
    }

    /** Compiled at first use (a size option): not at every store open, which initialises this class. */
    private static final class Size {
        static final java.util.regex.Pattern SIZE = java.util.regex.Pattern.compile("^(\\d+(\\.\\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$");
    }

    /** go-units v0.5.0's RAMInBytes (binary multiples; the number through Go's ParseFloat, truncated), with its errors. */
    static long ramInBytes(String s) throws InvalidArgumentException {
        java.util.regex.Matcher m = Size.SIZE.matcher(s);
        if (!m.matches()) {
            throw new InvalidArgumentException("invalid size: '" + s + "'");
        }
        double size;
        if (m.group(1).chars().filter(c -> c == '.').count() > 1) {
            throw new InvalidArgumentException("strconv.ParseFloat: parsing " + goQuote(m.group(1)) + ": invalid syntax");
        }
        size = Double.parseDouble(m.group(1));
        String unit = m.group(3) == null ? "" : m.group(3).toLowerCase(Locale.ROOT);
        long mul = switch (unit) {
            case "k" -> 1L << 10;
            case "m" -> 1L << 20;
            case "g" -> 1L << 30;
            case "t" -> 1L << 40;
            case "p" -> 1L << 50;
            default -> 1;
        };
        return (long) (size * mul);
    }

    /** Go's strconv.ParseUint(s, 10, 64), with its errors. */
    static long parseUint(String s) throws InvalidArgumentException {
        if (s.isEmpty() || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new InvalidArgumentException("strconv.ParseUint: parsing " + goQuote(s) + ": invalid syntax");
        }
        try {
            return Long.parseUnsignedLong(s);
        } catch (NumberFormatException e) {
            throw new InvalidArgumentException("strconv.ParseUint: parsing " + goQuote(s) + ": value out of range");
        }
    }

    /** Go's strconv.ParseBool, with its error. */
    static boolean parseBool(String v) throws InvalidArgumentException {
        Boolean b = io.cargohold.text.GoStrings.parseBool(v);
        if (b == null) {
            throw new InvalidArgumentException("strconv.ParseBool: parsing " + goQuote(v) + ": invalid syntax");
        }
        return b;
    }

    /** Go's %q (strconv.Quote). */
    static String goQuote(String s) {
        return io.cargohold.text.GoStrings.quote(s);
    }
}
