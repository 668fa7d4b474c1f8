package io.cargohold.storage.internal.driver.overlay;

import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.storage.IdMap;
import io.cargohold.storage.archive.ApplyOptions;
import io.cargohold.storage.archive.ApplyResult;
import io.cargohold.storage.archive.Change;
import io.cargohold.storage.archive.LayerArchive;
import io.cargohold.storage.archive.OverlayChanges;
import io.cargohold.storage.archive.OverlayWhiteouts;
import io.cargohold.storage.archive.TreeArchiver;
import io.cargohold.storage.archive.TreeChanges;
import io.cargohold.storage.internal.PosixFs;
import io.cargohold.storage.internal.Trees;
import io.cargohold.storage.internal.driver.GraphDriver;
import io.cargohold.storage.internal.driver.KernelMounts;
import io.cargohold.storage.internal.driver.vfs.VfsDriver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The overlay driver on containers/storage v1.43.0's on-disk format, so podman, skopeo and upstream's
 * {@code containers-storage} share the store: {@code G/overlay/<id>/{diff,work,merged,link,lower}}
 * ({@code empty/} instead of {@code lower} for a base layer), {@code G/overlay/l/<link ID>} symbolic
 * links to {@code ../<id>/diff}, the {@code lower} chain of link paths topmost first, feature checks
 * cached in {@code R/overlay/} under upstream's file names, and the home made a private mount unless
 * {@code overlay.skip_mount_home}. Layers are mounted with {@code mount(2)} (through the short links,
 * relative to the home when the mount data would not fit a page), or with {@code overlay.mount_program}.
 * Whiteouts are 0/0 character devices and opaque directories carry {@code trusted.overlay.opaque}
 * ({@code user.overlay.opaque} when not root). Diff, changes and diff size come from the layer's own
 * {@code diff/} when upstream's native-diff check passes and the diff is against the parent; otherwise
 * both layers are mounted and compared (the naive diff).
 */
public final class OverlayDriver implements GraphDriver {
    private static final String LOWER_FILE = "lower";
    private static final int DEFAULT_PERMS = 0555;
    private static final int PAGE_SIZE = 4096;
    private static final Set<PosixFilePermission> DIR_700 = PosixFilePermissions.fromString("rwx------");

    private final Path home;
    private final Path runHome;
    private final List<Path> additionalHomes;
    private final OverlayOptions options;
    private final List<IdMap> uidMap;
    private final List<IdMap> gidMap;
    private final OverlayWhiteouts whiteouts;
    private final boolean rootless;
    /** Upstream's RefCounter: mounts made or found by this process, per merged directory. */
    private final Map<Path, int[]> mounts = new HashMap<>();
    private Boolean naiveDiff;
    private boolean usingMetacopy;

    /** The parsed {@code overlay.*} options. */
    public record OverlayOptions(String mountProgram, String mountOptions, Integer forceMask, boolean skipMountHome,
                                 boolean ignoreChownErrors, List<Path> imageStores, long quotaSize, long quotaInodes) {
        public OverlayOptions {
            mountProgram = mountProgram == null ? "" : mountProgram;
            mountOptions = mountOptions == null ? "" : mountOptions;
            imageStores = List.copyOf(imageStores);
        }

        public OverlayOptions(String mountProgram, String mountOptions, Integer forceMask, boolean skipMountHome,
                              boolean ignoreChownErrors, List<Path> imageStores) {
            this(mountProgram, mountOptions, forceMask, skipMountHome, ignoreChownErrors, imageStores, 0, 0);
        }
    }

    /**
     * Upstream's Init: the home and {@code l/} (0755), the run home (0700), the overlay and native-diff
     * checks (cached in the run home), and the private home mount.
     */
    public OverlayDriver(Path home, Path runHome, List<Path> additionalHomes, OverlayOptions options, List<IdMap> uidMap,
                         List<IdMap> gidMap) throws IOException {
        this.home = home;
        this.runHome = runHome;
        this.additionalHomes = List.copyOf(additionalHomes);
        this.options = options;
        this.uidMap = List.copyOf(uidMap);
        this.gidMap = List.copyOf(gidMap);
        this.rootless = PosixFs.geteuid() != 0;
        this.whiteouts = OverlayWhiteouts.forThisProcess();
        Files.createDirectories(home.resolve(LinkIds.LINK_DIR));
        if (!Files.isDirectory(runHome)) {
            Files.createDirectories(runHome, PosixFilePermissions.asFileAttribute(DIR_700));
        }
        if (options.mountProgram().isEmpty()) {
            if (options.forceMask() != null) {
                throw new InvalidArgumentException("'force_mask' is supported only with 'mount_program'");
            }
            if (rootless) {
                throw new InvalidArgumentException("kernel does not support overlay fs: 'overlay' is not supported over "
                        + "this file system without root: a mount_program is required");
            }
            writeMountProgramFlag("false");
            checkOverlaySupport();
            String feature = "metacopy(" + options.mountOptions() + ")";
            Boolean cached = cachedFeature(feature);
            if (cached != null) {
                usingMetacopy = cached;
            } else {
                usingMetacopy = doesMetacopy(options.mountOptions());
                recordFeature(feature, usingMetacopy, "");
            }
        } else {
            writeMountProgramFlag("true");
        }
        if (!options.skipMountHome()) {
            makePrivate(home);
        }
        // upstream's Init, after the private mount (which it leaves behind on this error): project quotas
        // exist only on XFS; there they need quota.NewControl (XFS quotactl), which we do not implement
        if (options.quotaSize() > 0 || options.quotaInodes() > 0) {
            String fs = backingFs();
            if (!fs.equals("xfs")) {
                throw new InvalidArgumentException("storage option overlay.size and overlay.inodes only supported for backingFS XFS. Found " + fs);
            }
            throw new InvalidArgumentException("storage options overlay.size and overlay.inodes not supported. Filesystem does not "
                    + "support Project Quota: XFS project quotas are not implemented by cargohold");
        }
    }

    /**
     * Upstream's doesMetacopy: a test mount with the configured options; a chmod through it must leave a
     * metadata-only copy (the {@code overlay.metacopy} xattr) in the upper. EINVAL from the mount (the
     * kernel does not know the option) and ENOTSUP from the xattr read mean no metacopy.
     */
    private boolean doesMetacopy(String mountOpts) throws IOException {
        Path td = Files.createTempDirectory(home, "metacopy-check");
        try {
            Files.createDirectories(td.resolve("l1"));
            Files.write(td.resolve("l1/f"), new byte[] {(byte) 0xff});
            PosixFs.chmod(td.resolve("l1/f"), 0700);
            Files.createDirectories(td.resolve("l2"));
            Files.createDirectory(td.resolve("work"));
            Files.createDirectory(td.resolve("merged"));
            String opts = "lowerdir=" + td.resolve("l1") + ",upperdir=" + td.resolve("l2") + ",workdir=" + td.resolve("work")
                    + (rootless ? ",userxattr" : "");
            KernelMounts.ParsedOptions po = KernelMounts.parseOptions(mountOpts);
            if (!po.data().isEmpty()) {
                opts = opts + "," + po.data();
            }
            try {
                KernelMounts.mount("overlay", td.resolve("merged").toString(), "overlay", po.flags(), opts);
            } catch (PosixFs.ErrnoException e) {
                if (e.errno() == KernelMounts.EINVAL) {
                    return false;
                }
                throw new IOException("failed to mount overlay for metacopy check with " + goQuote(mountOpts) + " options: " + e.getMessage(), e);
            }
            try {
                try {
                    PosixFs.chmod(td.resolve("merged/f"), 0600);
                } catch (IOException e) {
                    throw new IOException("changing permissions on file for metacopy check: " + e.getMessage(), e);
                }
                String name = whiteouts.opaqueXattr().replace("opaque", "metacopy");
                return PosixFs.getXattr(td.resolve("l2/f"), name) != null;
            } finally {
                KernelMounts.unmount(td.resolve("merged").toString(), 0);
            }
        } finally {
            Trees.removeAll(td);
        }
    }

    /** Whether the kernel's overlay makes metadata-only copies with the configured mount options (upstream's usingMetacopy). */
    public boolean usingMetacopy() {
        return usingMetacopy;
    }

    @Override
    public String name() {
        return "overlay";
    }

    public Path home() {
        return home;
    }

    private void writeMountProgramFlag(String value) throws IOException {
        Path flag = home.resolve(".has-mount-program");
        String now = Files.exists(flag) ? Files.readString(flag).strip() : "";
        if (now.equals("true") && value.equals("false")) {
            return;
        }
        if (!now.equals(value)) {
            Files.writeString(flag, value);
            PosixFs.chmod(flag, 0600);
        }
    }

    // ================================================================== feature checks (cached as upstream caches them)

    private Boolean cachedFeature(String feature) {
        if (Files.exists(runHome.resolve(feature + "-true"))) {
            return true;
        }
        if (Files.exists(runHome.resolve(feature + "-false"))) {
            return false;
        }
        return null;
    }

    private String cachedText(String feature, boolean value) throws IOException {
        return Files.readString(runHome.resolve(feature + "-" + value));
    }

    private void recordFeature(String feature, boolean value, String text) throws IOException {
        Path f = runHome.resolve(feature + "-" + value);
        Files.writeString(f, text);
    }

    /** checkAndRecordOverlaySupport: a test mount with two lowers in {@code home/compat*}. */
    private void checkOverlaySupport() throws IOException {
        Boolean cached = cachedFeature("overlay");
        if (cached != null) {
            if (!cached) {
                throw new IOException(cachedText("overlay", false));
            }
            return;
        }
        Path td = Files.createTempDirectory(home, "compat");
        try {
            for (String d : List.of("merged", "lower1", "lower2", "upper", "work")) {
                Files.createDirectory(td.resolve(d), PosixFilePermissions.asFileAttribute(DIR_700));
            }
            PosixFs.mknod(td.resolve("upper/whiteout"), 0020000 | 0600, 0);
            String data = "lowerdir=" + td.resolve("lower1") + ":" + td.resolve("lower2") + ",upperdir=" + td.resolve("upper")
                    + ",workdir=" + td.resolve("work");
            try {
                KernelMounts.mount("overlay", td.resolve("merged").toString(), "overlay", 0, data);
            } catch (PosixFs.ErrnoException e) {
                String msg = "kernel does not support overlay fs: 'overlay' is not supported over this file system at \"" + home + "\": "
                        + e.getMessage();
                recordFeature("overlay", false, msg);
                throw new IOException(msg, e);
            }
            KernelMounts.unmount(td.resolve("merged").toString(), KernelMounts.MNT_DETACH);
            recordFeature("overlay", true, "");
        } finally {
            Trees.removeAll(td);
        }
    }

    /** useNaiveDiff: a mount program, or upstream's doesSupportNativeDiff check failing (cached). */
    private boolean useNaiveDiff() throws IOException {
        if (naiveDiff != null) {
            return naiveDiff;
        }
        if (!options.mountProgram().isEmpty()) {
            naiveDiff = true;
            return true;
        }
        String feature = "native-diff(" + options.mountOptions() + ")";
        Boolean cached = cachedFeature(feature);
        if (cached != null) {
            naiveDiff = !cached;
            return naiveDiff;
        }
        String reason = nativeDiffProblem();
        naiveDiff = reason != null;
        recordFeature(feature, !naiveDiff, naiveDiff
                ? "Not using native diff for overlay, this may cause degraded performance for building images: " + reason : "");
        return naiveDiff;
    }

    /** Upstream's doesSupportNativeDiff: null when the kernel neither copies the opaque flag up nor redirects directories. */
    private String nativeDiffProblem() throws IOException {
        Path td = Files.createTempDirectory(home, "opaque-bug-check");
        try {
            Files.createDirectories(td.resolve("l1/d"));
            Files.createDirectories(td.resolve("l1/d1"));
            Files.createDirectories(td.resolve("l2/d"));
            Files.createDirectory(td.resolve("l3"));
            Files.createDirectory(td.resolve("work"));
            Files.createDirectory(td.resolve("merged"));
            PosixFs.setXattr(td.resolve("l2/d"), whiteouts.opaqueXattr(), new byte[] {'y'});
            String data = "lowerdir=" + td.resolve("l2") + ":" + td.resolve("l1") + ",upperdir=" + td.resolve("l3") + ",workdir="
                    + td.resolve("work") + (rootless ? ",userxattr" : "");
            KernelMounts.ParsedOptions po = KernelMounts.parseOptions(options.mountOptions());
            if (!po.data().isEmpty()) {
                data = data + "," + po.data();
            }
            try {
                KernelMounts.mount("overlay", td.resolve("merged").toString(), "overlay", po.flags(), data);
            } catch (PosixFs.ErrnoException e) {
                return "failed to mount overlay: " + e.getMessage();
            }
            try {
                Files.write(td.resolve("merged/d/f"), new byte[0]);
                byte[] opaque = PosixFs.getXattr(td.resolve("l3/d"), whiteouts.opaqueXattr());
                if (opaque != null && new String(opaque, StandardCharsets.UTF_8).equals("y")) {
                    return "opaque flag erroneously copied up, consider update to kernel 4.8 or later to fix";
                }
                try {
                    Files.move(td.resolve("merged/d1"), td.resolve("merged/d2"));
                } catch (IOException e) {
                    if (e.getMessage() != null && e.getMessage().contains("cross-device")) {
                        return null;
                    }
                    return "failed to rename dir in merged directory: " + e.getMessage();
                }
                byte[] redirect = PosixFs.getXattr(td.resolve("l3/d2"), whiteouts.opaqueXattr().replace("opaque", "redirect"));
                if (redirect != null && new String(redirect, StandardCharsets.UTF_8).equals("d1")) {
                    return "kernel has CONFIG_OVERLAY_FS_REDIRECT_DIR enabled";
                }
                return null;
            } finally {
                KernelMounts.unmount(td.resolve("merged").toString(), 0);
            }
        } finally {
            Trees.removeAll(td);
        }
    }

    /**
     * mount.MakePrivate: the home becomes a mount point (a bind mount of itself) with private propagation.
     * Upstream calls mount(2) with MS_PRIVATE at every driver start; when mountinfo already shows the home
     * private the call would change nothing, and it is skipped: it is the only native call of a read-only
     * command, and the first native call of a process costs ~15-45 ms of call-stub set-up (bench/README.md 27.1).
     */
    private static void makePrivate(Path home) throws IOException {
        KernelMounts.MountInfo m = KernelMounts.mountAt(home);
        if (m == null) {
            KernelMounts.mount(home.toString(), home.toString(), "none", KernelMounts.MS_BIND, null);
        } else if (m.isPrivate()) {
            return;
        }
        KernelMounts.mount("", home.toString(), "none", KernelMounts.MS_PRIVATE, null);
    }

    // ================================================================== paths

    /** dir2: the layer's directory in the home, else in the first additional store that has it, else (absent) in the home. */
    Path dir(String id) {
        Path own = home.resolve(id).normalize();
        if (Files.exists(own) || !own.startsWith(home)) {
            return own;
        }
        for (Path h : additionalHomes) {
            Path p = h.resolve(id).normalize();
            if (Files.exists(p)) {
                return p;
            }
        }
        return own;
    }

    private boolean inAdditionalStore(String id) {
        return !Files.exists(home.resolve(id)) && !dir(id).equals(home.resolve(id));
    }

    @Override
    public Path diffRoot(String id) {
        return dir(id).resolve("diff");
    }

    @Override
    public Path tree(String id) {
        return null;
    }

    @Override
    public boolean exists(String id) {
        return Files.exists(dir(id));
    }

    // ================================================================== create and remove

    @Override
    public void create(LayerRef layer, LayerRef parent) throws IOException {
        String id = layer.id();
        Path dir = home.resolve(id);
        List<IdMap> uids = layer.uidMap();
        List<IdMap> gids = layer.gidMap();
        Files.createDirectories(home.resolve(LinkIds.LINK_DIR));
        long rootUid = VfsDriver.mapId(0, List.of(), uids);
        long rootGid = VfsDriver.mapId(0, List.of(), gids);
        if (parent != null) {
            Map<String, Object> st = Files.readAttributes(dir(parent.id()), "unix:uid,gid");
            rootUid = Integer.toUnsignedLong((int) st.get("uid"));
            rootGid = Integer.toUnsignedLong((int) st.get("gid"));
        }
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            // upstream warns and removes it first (with its link)
            remove(id);
        }
        mkdirAs(dir, 0700, rootUid, rootGid);
        boolean done = false;
        try {
            int perms = options.forceMask() != null ? options.forceMask() : DEFAULT_PERMS;
            if (parent != null) {
                perms = (int) Files.getAttribute(dir(parent.id()).resolve("diff"), "unix:mode") & 07777;
            }
            mkdirAs(dir.resolve("diff"), perms, rootUid, rootGid);
            String lid = LinkIds.secure().next(); // seeded at the first layer made, not at every start
            PosixFs.symlink(("../" + id + "/diff").getBytes(StandardCharsets.UTF_8), home.resolve(LinkIds.LINK_DIR).resolve(lid));
            writeFile(dir.resolve("link"), lid, 0644);
            mkdirAs(dir.resolve("work"), 0700, rootUid, rootGid);
            mkdirAs(dir.resolve("merged"), 0700, rootUid, rootGid);
            if (parent == null) {
                mkdirAs(dir.resolve("empty"), 0700, rootUid, rootGid);
            } else {
                String lower = lowerOfChild(parent.id());
                if (!lower.isEmpty()) {
                    writeFile(dir.resolve(LOWER_FILE), lower, 0666);
                }
            }
            done = true;
        } finally {
            if (!done) {
                removeLinkOf(dir);
                Trees.removeAll(dir);
            }
        }
    }

    /**
     * Upstream's CreateFromTemplate + UpdateLayerIDMap: a layer on top of the template, mounted, every
     * owner shifted from the template's maps to the layer's through the mount (overlayfs copies the
     * files up), unmounted; the upper becomes {@code diff1} under a fresh {@code diff}, the work
     * directory is made again.
     */
    @Override
    public void createMapped(LayerRef layer, LayerRef template) throws IOException {
        create(layer, template);
        Path dir = home.resolve(layer.id());
        Path merged = get(layer.id(), MountOptions.DEFAULT);
        try {
            chownByMaps(merged, template, layer);
        } finally {
            put(layer.id());
        }
        Path diff = dir.resolve("diff");
        int perms = options.forceMask() != null ? options.forceMask() : (int) Files.getAttribute(diff, "unix:mode") & 07777;
        int i = 0;
        while (Files.exists(dir.resolve(i == 0 ? "diff" : "diff" + i))) {
            i++;
        }
        for (; i > 0; i--) {
            Files.move(dir.resolve(i - 1 == 0 ? "diff" : "diff" + (i - 1)), dir.resolve("diff" + i));
        }
        long rootUid = VfsDriver.mapId(0, List.of(), layer.uidMap());
        long rootGid = VfsDriver.mapId(0, List.of(), layer.gidMap());
        Trees.removeAll(dir.resolve("work"));
        mkdirAs(dir.resolve("work"), DEFAULT_PERMS, rootUid, rootGid);
        mkdirAs(diff, perms, rootUid, rootGid);
    }

    /** ChownPathByMaps: every owner under {@code root} from the template's maps (host → container) to the layer's (→ host). */
    private static void chownByMaps(Path root, LayerRef from, LayerRef to) throws IOException {
        java.util.ArrayDeque<Path> todo = new java.util.ArrayDeque<>();
        todo.push(root);
        while (!todo.isEmpty()) {
            Path p = todo.pop();
            Map<String, Object> a = Files.readAttributes(p, "unix:uid,gid,mode", LinkOption.NOFOLLOW_LINKS);
            long uid = Integer.toUnsignedLong((int) a.get("uid"));
            long gid = Integer.toUnsignedLong((int) a.get("gid"));
            int mode = (int) a.get("mode");
            long nu = VfsDriver.mapId(uid, from.uidMap(), to.uidMap());
            long ng = VfsDriver.mapId(gid, from.gidMap(), to.gidMap());
            if (nu != uid || ng != gid) {
                PosixFs.lchown(p, (int) nu, (int) ng);
                if ((mode & 0170000) != 0120000 && (mode & 06000) != 0) {
                    PosixFs.chmod(p, mode & 07777); // chown cleared setuid/setgid
                }
            }
            if ((mode & 0170000) == 0040000) {
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
                    for (Path c : ds) {
                        todo.push(c);
                    }
                }
            }
        }
    }

    /** Go's os.Mkdir (mode less the umask) then chown, as idtools.MkdirAs. */
    private static void mkdirAs(Path p, int mode, long uid, long gid) throws IOException {
        Files.createDirectory(p, PosixFilePermissions.asFileAttribute(PosixFs.permissions(mode)));
        if (uid != 0 || gid != 0) {
            PosixFs.lchown(p, (int) uid, (int) gid);
        }
        if ((mode & 07000) != 0) {
            PosixFs.chmod(p, mode);
        }
    }

    private static void writeFile(Path p, String content, int mode) throws IOException {
        Files.write(p, content.getBytes(StandardCharsets.UTF_8));
        // a regular file of ours: the JDK's chmod (PosixFs.chmod's native call stub would cost this process ~15 ms)
        Files.setPosixFilePermissions(p, PosixFs.permissions(mode & ~022));
    }

    /** getLower: the lower chain for a child of {@code parent}: the parent's link, then the parent's own chain. */
    private String lowerOfChild(String parent) throws IOException {
        Path parentDir = dir(parent);
        if (!Files.exists(parentDir, LinkOption.NOFOLLOW_LINKS)) {
            throw new NoSuchFileException(parentDir.toString());
        }
        String link = readLink(parentDir);
        String parentLower = null;
        try {
            parentLower = Files.readString(parentDir.resolve(LOWER_FILE));
        } catch (NoSuchFileException e) {
            // a base layer
        }
        return LinkIds.childLower(link, parentLower);
    }

    /** The layer's link ID; a missing link file is recreated from {@code l/} first, as upstream does. */
    private String readLink(Path layerDir) throws IOException {
        try {
            return Files.readString(layerDir.resolve("link"));
        } catch (NoSuchFileException e) {
            recreateSymlinks();
            return Files.readString(layerDir.resolve("link"));
        }
    }

    @Override
    public void remove(String id) throws IOException {
        Path dir = home.resolve(Path.of(id).getFileName().toString());
        Path merged = dir.resolve("merged");
        if (KernelMounts.isMountPoint(merged)) {
            try {
                KernelMounts.unmount(merged.toString(), KernelMounts.MNT_DETACH);
            } catch (PosixFs.ErrnoException e) {
                // gone meanwhile
            }
        }
        mounts.remove(merged);
        removeLinkOf(dir);
        Trees.removeAll(dir);
    }

    private void removeLinkOf(Path dir) throws IOException {
        try {
            String lid = Files.readString(dir.resolve("link")).strip();
            if (LinkIds.isLinkId(lid)) {
                Files.deleteIfExists(home.resolve(LinkIds.LINK_DIR).resolve(lid));
            }
        } catch (NoSuchFileException e) {
            // No link file: a creation killed between the short link's symlink and the link file (upstream's
            // create has the same order, and its Remove then leaves the short link dangling). Better than
            // upstream: remove any short link that points at this layer's diff.
            Path links = home.resolve(LinkIds.LINK_DIR);
            String target = "../" + dir.getFileName() + "/diff";
            if (Files.isDirectory(links)) {
                try (var s = Files.newDirectoryStream(links)) {
                    for (Path l : s) {
                        if (Files.isSymbolicLink(l) && Files.readSymbolicLink(l).toString().equals(target)) {
                            Files.deleteIfExists(l);
                        }
                    }
                }
            }
        }
    }

    /**
     * recreateSymlinks: every layer directory's {@code l/} link made to match its {@code link} file, and a
     * {@code link} file rewritten from an {@code l/} link that points at its layer.
     */
    void recreateSymlinks() throws IOException {
        Path l = home.resolve(LinkIds.LINK_DIR);
        Files.createDirectories(l);
        List<String> problems = new ArrayList<>();
        for (int iteration = 0; iteration < 10; iteration++) {
            boolean progress = false;
            problems.clear();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(home)) {
                for (Path d : ds) {
                    String name = d.getFileName().toString();
                    if (name.equals(LinkIds.LINK_DIR) || !Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                        continue;
                    }
                    String lid;
                    try {
                        lid = Files.readString(d.resolve("link")).strip();
                    } catch (NoSuchFileException e) {
                        problems.add("reading name of symlink for \"" + name + "\": " + e.getMessage());
                        continue;
                    }
                    if (!LinkIds.isLinkId(lid)) {
                        problems.add("link of \"" + name + "\" looks weird: \"" + lid + "\"");
                        continue;
                    }
                    Path link = l.resolve(lid);
                    if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
                        PosixFs.symlink(("../" + name + "/diff").getBytes(StandardCharsets.UTF_8), link);
                        progress = true;
                    }
                }
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(l)) {
                for (Path link : ds) {
                    String target;
                    try {
                        target = PosixFs.readlink(link);
                    } catch (IOException e) {
                        problems.add(e.getMessage());
                        continue;
                    }
                    String[] parts = target.split("/", -1);
                    if (parts.length != 3 || !parts[0].equals("..") || !parts[2].equals("diff")) {
                        Files.deleteIfExists(link);
                        progress = true;
                        continue;
                    }
                    Path linkFile = home.resolve(Path.of(parts[1]).getFileName().toString()).resolve("link");
                    String name = link.getFileName().toString();
                    String have = Files.exists(linkFile) ? Files.readString(linkFile) : null;
                    if (!name.equals(have) && Files.isDirectory(linkFile.getParent())) {
                        writeFile(linkFile, name, 0644);
                        progress = true;
                    }
                }
            }
            if (!progress) {
                break;
            }
        }
        if (!problems.isEmpty()) {
            throw new IOException(String.join("; ", problems));
        }
    }

    // ================================================================== mount

    @Override
    public Path get(String id, MountOptions mountOptions) throws IOException {
        Path dir = dir(id);
        if (!Files.exists(dir)) {
            throw new NoSuchFileException(dir.toString());
        }
        boolean readWrite = !inAdditionalStore(id);
        List<String> optsList = new ArrayList<>(mountOptions.options().isEmpty() ? List.of(options.mountOptions().split(",", -1))
                : mountOptions.options());
        if (!mountOptions.options().isEmpty() && usingMetacopy && List.of(options.mountOptions().split(",", -1)).contains("metacopy=on")
                && !optsList.contains("metacopy=on")) {
            // the kernel refuses to follow the metacopy xattr unless every mount has the option
            optsList.add("metacopy=on");
        }
        if (!usingMetacopy) {
            optsList.removeIf("metacopy=on"::equals);
        }
        if (optsList.contains("ro")) {
            readWrite = false;
        }
        String lowerText = "";
        try {
            lowerText = Files.readString(dir.resolve(LOWER_FILE));
        } catch (NoSuchFileException e) {
            // a base layer
        }
        List<String> lowers = List.of(lowerText.split(":", -1));
        if (lowers.size() > LinkIds.MAX_DEPTH) {
            throw new IOException("max depth exceeded");
        }
        List<String> absLowers = new ArrayList<>();
        List<String> relLowers = new ArrayList<>();
        String link = readLink(dir);
        int perms = options.forceMask() != null ? options.forceMask() : DEFAULT_PERMS;
        boolean permsKnown = false;
        // diff1, diff2, ...: earlier uppers kept by an ID-map update (UpdateLayerIDMap), lowest last
        for (int n = 1; Files.exists(dir.resolve("diff" + n)); n++) {
            if (!permsKnown) {
                perms = (int) Files.getAttribute(dir.resolve("diff" + n), "unix:mode") & 07777;
                permsKnown = true;
            }
            absLowers.add(dir.resolve("diff" + n).toString());
            relLowers.add(LinkIds.LINK_DIR + "/" + link + "/../diff" + n);
        }
        for (String l : lowers) {
            if (l.isEmpty()) {
                continue;
            }
            Path newpath = home.resolve(l);
            String lower = null;
            if (!Files.exists(newpath)) {
                for (Path h : additionalHomes) {
                    Path p = h.resolve(l);
                    if (Files.exists(p)) {
                        lower = p.toString();
                        if (!permsKnown) {
                            perms = (int) Files.getAttribute(p, "unix:mode") & 07777;
                            permsKnown = true;
                        }
                        break;
                    }
                }
                if (lower == null) {
                    recreateSymlinks();
                    lower = newpath.toString();
                }
            } else {
                if (!permsKnown) {
                    perms = (int) Files.getAttribute(newpath, "unix:mode") & 07777;
                    permsKnown = true;
                }
                lower = newpath.toString();
            }
            absLowers.add(lower);
            relLowers.add(l);
            for (int n = 1; Files.exists(Path.of(lower + "/../diff" + n)); n++) {
                absLowers.add(lower + "/../diff" + n);
                relLowers.add(l + "/../diff" + n);
            }
        }
        if (absLowers.isEmpty()) {
            absLowers.add(dir.resolve("empty").toString());
            relLowers.add(id + "/empty");
        }
        Path diffDir = dir.resolve("diff");
        if (!Files.isDirectory(diffDir)) {
            mkdirAs(diffDir, perms, VfsDriver.mapId(0, List.of(), uidMap), VfsDriver.mapId(0, List.of(), gidMap));
        }
        Path merged = dir.resolve("merged");
        if (!Files.isDirectory(merged)) {
            try {
                mkdirAs(merged, 0700, VfsDriver.mapId(0, List.of(), uidMap), VfsDriver.mapId(0, List.of(), gidMap));
            } catch (FileAlreadyExistsException e) {
                // made meanwhile
            }
        }
        if (increment(merged) > 1) {
            return merged;
        }
        boolean ok = false;
        try {
            Path workdir = dir.resolve("work");
            if (options.mountProgram().isEmpty() && rootless) {
                optsList.add("userxattr");
            }
            String opts = readWrite
                    ? "lowerdir=" + String.join(":", absLowers) + ",upperdir=" + diffDir + ",workdir=" + workdir
                    : "lowerdir=" + diffDir + ":" + String.join(":", absLowers);
            if (!optsList.isEmpty()) {
                opts = opts + "," + String.join(",", optsList);
            }
            String mountData = formatMountLabel(opts, mountOptions.mountLabel());
            Trees.removeAll(workdir.resolve("work/incompat/volatile"));
            if (!options.mountProgram().isEmpty()) {
                mountProgram(mountData, merged);
            } else if (mountData.length() >= PAGE_SIZE) {
                // upstream's mountFrom: paths relative to the home
                String rel = readWrite
                        ? "lowerdir=" + String.join(":", relLowers) + ",upperdir=" + id + "/diff,workdir=" + id + "/work"
                        : "lowerdir=" + diffDir + ":" + String.join(":", relLowers);
                if (!optsList.isEmpty()) {
                    rel = rel + "," + String.join(",", optsList);
                }
                mountData = formatMountLabel(rel, mountOptions.mountLabel());
                if (mountData.length() >= PAGE_SIZE) {
                    throw new IOException("cannot mount layer, mount label \"" + mountOptions.mountLabel() + "\" too large " + mountData.length()
                            + " >= page size " + PAGE_SIZE);
                }
                KernelMounts.ParsedOptions po = KernelMounts.parseOptions(mountData);
                try {
                    KernelMounts.mountIn(home, "overlay", id + "/merged", "overlay", po.flags(), po.data());
                } catch (PosixFs.ErrnoException e) {
                    throw new IOException("creating overlay mount to " + id + "/merged, mount_data=" + goQuote(mountData) + ": " + e.getMessage(), e);
                }
            } else {
                KernelMounts.ParsedOptions po = KernelMounts.parseOptions(mountData);
                try {
                    KernelMounts.mount("overlay", merged.toString(), "overlay", po.flags(), po.data());
                } catch (PosixFs.ErrnoException e) {
                    throw new IOException("creating overlay mount to " + merged + ", mount_data=" + goQuote(mountData) + ": " + e.getMessage(), e);
                }
            }
            ok = true;
            return merged;
        } finally {
            if (!ok) {
                if (decrement(merged) <= 0 && KernelMounts.isMountPoint(merged)) {
                    KernelMounts.unmount(merged.toString(), 0);
                }
            }
        }
    }

    private void mountProgram(String data, Path target) throws IOException {
        String label = data;
        if (options.forceMask() != null) {
            label = label + ",xattr_permissions=2";
        }
        ProcessBuilder pb = new ProcessBuilder(options.mountProgram(), "-o", label, target.toString()).directory(home.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit;
        try {
            exit = p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        if (exit != 0) {
            throw new IOException("using mount program " + options.mountProgram() + ": " + (err.isEmpty() ? "<stderr empty>" : err)
                    + ": exit status " + exit);
        }
    }

    /** label.FormatMountLabel: {@code context="LABEL"} appended when there is a label. */
    static String formatMountLabel(String src, String label) {
        if (label == null || label.isEmpty()) {
            return src;
        }
        return src.isEmpty() ? "context=\"" + label + "\"" : src + ",context=\"" + label + "\"";
    }

    /** Go's %q, as upstream's "mount_data=%q" (the one quoter, {@link io.cargohold.text.GoStrings#quote}). */
    private static String goQuote(String s) {
        return io.cargohold.text.GoStrings.quote(s);
    }

    /** RefCounter.Increment: the first look at a path counts a mount that is already there. */
    private int increment(Path merged) throws IOException {
        int[] c = counter(merged);
        return ++c[0];
    }

    private int decrement(Path merged) throws IOException {
        int[] c = counter(merged);
        if (c[0] > 0) {
            c[0]--;
        }
        return c[0];
    }

    private int[] counter(Path merged) throws IOException {
        int[] c = mounts.get(merged);
        if (c == null) {
            c = new int[] {KernelMounts.isMountPoint(merged) ? 1 : 0};
            mounts.put(merged, c);
        }
        return c;
    }

    @Override
    public Path mountPath(String id) {
        return dir(id).resolve("merged");
    }

    @Override
    public void put(String id) throws IOException {
        Path dir = dir(id);
        if (!Files.exists(dir)) {
            throw new NoSuchFileException(dir.toString());
        }
        Path merged = dir.resolve("merged");
        if (decrement(merged) > 0) {
            return;
        }
        boolean unmounted = false;
        if (!options.mountProgram().isEmpty()) {
            for (String fusermount : List.of("fusermount3", "fusermount")) {
                try {
                    Process p = new ProcessBuilder(fusermount, "-u", merged.toString()).redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                    if (p.waitFor() == 0) {
                        unmounted = true;
                        break;
                    }
                } catch (IOException e) {
                    // not installed
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
            }
        }
        if (!unmounted) {
            try {
                KernelMounts.unmount(merged.toString(), KernelMounts.MNT_DETACH);
            } catch (PosixFs.ErrnoException e) {
                // not mounted (upstream only logs)
            }
        }
        try {
            Files.deleteIfExists(merged);
        } catch (IOException e) {
            // upstream only logs a failed rmdir
        }
    }

    // ================================================================== diffs

    @Override
    public ApplyResult applyDiff(LayerRef layer, InputStream diff, OutputStream tarSplit, ApplyOptions o) throws IOException {
        Path applyDir = diffRoot(layer.id());
        ApplyOptions ao = options.ignoreChownErrors() ? o.withIgnoreChownErrors(true) : o;
        boolean program = !options.mountProgram().isEmpty();
        // upstream's getWhiteoutFormat: AUFS (.wh. files, left for the mount program) with a mount program
        // not synced here: the layer store syncs the file system before the layer's record says complete
        return LayerArchive.apply(diff, applyDir, tarSplit, ao, program ? null : whiteouts, program, options.forceMask());
    }

    /** isParent: whether {@code parent} (null: none) is the layer's parent by its lower chain. */
    private boolean isParent(String id, String parent) throws IOException {
        List<Path> lowers = lowerDirs(id);
        if (parent == null && !lowers.isEmpty()) {
            return false;
        }
        if (lowers.isEmpty()) {
            return parent == null;
        }
        return lowers.getFirst().getParent().equals(dir(parent));
    }

    /** getLowerDirs: the lower layers' diff directories, topmost first, through their links. */
    private List<Path> lowerDirs(String id) throws IOException {
        List<Path> out = new ArrayList<>();
        String lowerText;
        try {
            lowerText = Files.readString(dir(id).resolve(LOWER_FILE));
        } catch (NoSuchFileException e) {
            return out;
        }
        for (String s : LinkIds.split(lowerText)) {
            Path lower = dir(s);
            String target;
            try {
                target = PosixFs.readlink(lower);
            } catch (PosixFs.ErrnoException e) {
                if (e.errno() != 2) {
                    throw e;
                }
                recreateSymlinks();
                target = PosixFs.readlink(lower);
            }
            // path.Clean(d.dir(path.Join("link", target))): "link/../<id>/diff" is "<id>/diff"
            out.add(dir(Path.of("link").resolve(target).normalize().toString()));
        }
        return out;
    }

    @Override
    public void diff(LayerRef layer, LayerRef parent, OutputStream out) throws IOException {
        if (useNaiveDiff() || !isParent(layer.id(), parent == null ? null : parent.id())) {
            naive(layer, parent, (to, from) -> {
                if (from == null) {
                    TreeArchiver.tarTree(to, layer.uidMap(), layer.gidMap(), out);
                } else {
                    TreeArchiver.exportChanges(to, TreeChanges.between(to, layer.uidMap(), layer.gidMap(), from, parent.uidMap(),
                            parent.gidMap()), layer.uidMap(), layer.gidMap(), out);
                }
                return null;
            });
            return;
        }
        TreeArchiver.tarTree(diffRoot(layer.id()), layer.uidMap(), layer.gidMap(), whiteouts, lowerDirs(layer.id()), out);
    }

    @Override
    public List<Change> changes(LayerRef layer, LayerRef parent) throws IOException {
        if (useNaiveDiff() || !isParent(layer.id(), parent == null ? null : parent.id())) {
            return naive(layer, parent, (to, from) -> TreeChanges.between(to, layer.uidMap(), layer.gidMap(), from,
                    parent == null ? List.of() : parent.uidMap(), parent == null ? List.of() : parent.gidMap()));
        }
        return OverlayChanges.changes(lowerDirs(layer.id()), diffRoot(layer.id()), whiteouts);
    }

    @Override
    public long diffSize(LayerRef layer, LayerRef parent) throws IOException {
        if (options.mountProgram().isEmpty() && (useNaiveDiff() || !isParent(layer.id(), parent == null ? null : parent.id()))) {
            return naive(layer, parent, (to, from) -> TreeChanges.size(to, TreeChanges.between(to, layer.uidMap(), layer.gidMap(), from,
                    parent == null ? List.of() : parent.uidMap(), parent == null ? List.of() : parent.gidMap())));
        }
        return OverlayChanges.directorySize(diffRoot(layer.id()));
    }

    @FunctionalInterface
    private interface TreePair<T> {
        T run(Path to, Path from) throws IOException;
    }

    /** The naive diff driver's way: both layers mounted (Get/Put), their trees compared. */
    private <T> T naive(LayerRef layer, LayerRef parent, TreePair<T> op) throws IOException {
        Path to = get(layer.id(), MountOptions.DEFAULT);
        try {
            if (parent == null) {
                return op.run(to, null);
            }
            // NaiveDiffDriver mounts the parent read-only (no upper, so its work/work is never made)
            Path from = get(parent.id(), new MountOptions(List.of("ro"), ""));
            try {
                return op.run(to, from);
            } finally {
                put(parent.id());
            }
        } finally {
            put(layer.id());
        }
    }

    // ================================================================== status and metadata

    @Override
    public List<Map.Entry<String, String>> status() {
        boolean naive;
        try {
            naive = useNaiveDiff();
        } catch (IOException e) {
            naive = true;
        }
        return List.of(Map.entry("Backing Filesystem", backingFs()), Map.entry("Supports d_type", "true"),
                Map.entry("Native Overlay Diff", Boolean.toString(!naive)), Map.entry("Using metacopy", Boolean.toString(usingMetacopy)));
    }

    private String backingFs() {
        try {
            return switch (Files.getFileStore(home).type()) {
                case "ext4", "ext3", "ext2" -> "extfs";
                case "tmpfs" -> "tmpfs";
                case "xfs" -> "xfs";
                case "btrfs" -> "btrfs";
                default -> "<unknown>";
            };
        } catch (IOException e) {
            return "<unknown>";
        }
    }

    @Override
    public Map<String, String> metadata(String id) throws IOException {
        Path dir = dir(id);
        if (!Files.exists(dir)) {
            throw new NoSuchFileException(dir.toString());
        }
        Map<String, String> m = new LinkedHashMap<>();
        m.put("WorkDir", dir.resolve("work").toString());
        m.put("MergedDir", dir.resolve("merged").toString());
        m.put("UpperDir", dir.resolve("diff").toString());
        List<Path> lowers = lowerDirs(id);
        if (!lowers.isEmpty()) {
            m.put("LowerDir", String.join(":", lowers.stream().map(Path::toString).toList()));
        }
        return m;
    }

    /** Cleanup: the private home mount goes (upstream's Shutdown). */
    @Override
    public void cleanup() throws IOException {
        if (KernelMounts.isMountPoint(home)) {
            try {
                KernelMounts.unmount(home.toString(), 0);
            } catch (PosixFs.ErrnoException e) {
                // busy: layers are still mounted
            }
        }
    }
}
