package io.cargohold.copy;

import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.oci.Descriptor;
import io.cargohold.oci.OciDocument;
import io.cargohold.oci.Platform;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Choosing an index's instance for a platform (default: this machine's), as containers/image does. */
public final class Platforms {
    private Platforms() {
    }

    /** This JVM's platform in OCI terms (linux/amd64, linux/arm64/v8, ...). */
    public static Platform current() {
        String arch = switch (System.getProperty("os.arch", "").toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "x86", "i386", "i686" -> "386";
            case "arm" -> "arm";
            case "ppc64le" -> "ppc64le";
            case "s390x" -> "s390x";
            case "riscv64" -> "riscv64";
            default -> System.getProperty("os.arch");
        };
        String os = System.getProperty("os.name", "linux").toLowerCase(Locale.ROOT).startsWith("linux") ? "linux"
                : System.getProperty("os.name").toLowerCase(Locale.ROOT);
        return new Platform(arch, os, null, null, "arm64".equals(arch) ? "v8" : null);
    }

    /** Parses {@code OS/ARCH[/VARIANT]}. */
    public static Platform parse(String s) throws InvalidArgumentException {
        String[] p = s.split("/", -1);
        if (p.length < 2 || p.length > 3 || p[0].isEmpty() || p[1].isEmpty() || (p.length == 3 && p[2].isEmpty())) {
            throw new InvalidArgumentException("invalid platform \"" + s + "\": expected OS/ARCH[/VARIANT], e.g. linux/arm64/v8");
        }
        return new Platform(p[1], p[0], null, null, p.length == 3 ? p[2] : null);
    }

    public static String describe(Platform p) {
        return p == null ? "(no platform)" : p.toString();
    }

    private static String variant(Platform p) {
        if (p.variant() != null) {
            return p.variant();
        }
        return "arm64".equals(p.architecture()) ? "v8" : null;
    }

    /** The first instance whose OS and architecture match (and variant, when the wanted platform names one). */
    public static Descriptor choose(OciDocument.Index index, Platform wanted, String source) throws NotFoundException {
        Platform w = wanted == null ? current() : wanted;
        Descriptor loose = null;
        List<String> have = new ArrayList<>();
        for (Descriptor d : index.manifests()) {
            Platform p = d.platform();
            have.add(describe(p));
            if (p == null || !w.os().equals(p.os()) || !w.architecture().equals(p.architecture())) {
                continue;
            }
            String wv = variant(w);
            String pv = variant(p);
            if (wv == null || wv.equals(pv)) {
                return d;
            }
            if (wanted == null && loose == null) {
                loose = d;
            }
        }
        if (loose != null) {
            return loose;
        }
        throw new NotFoundException(source + ": no image in the index for platform " + describe(w) + " (it has: "
                + String.join(", ", have) + "); choose one with --platform, or copy all with --all");
    }
}
