package io.cargohold.cli.cargohold;

import io.cargohold.cli.CliContext;
import io.cargohold.cli.CopyProgress;
import io.cargohold.cli.Output;
import io.cargohold.copy.CopyContext;
import io.cargohold.copy.CopyOptions;
import io.cargohold.copy.CopyResult;
import io.cargohold.copy.ImageCopier;
import io.cargohold.copy.ImageReference;
import io.cargohold.copy.Platforms;
import io.cargohold.copy.Transports;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.fs.AtomicFile;
import io.cargohold.storage.StoreOptions;
import io.cargohold.storage.config.ConfigHost;
import io.cargohold.storage.config.StorageConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cargohold copy SRC DST}: skopeo copy's transports and options over the one copy engine. */
@Command(name = "copy", description = {
        "Copy an image between transports, as skopeo copy does: oci:DIR[:REF], oci-archive:FILE[:REF],",
        "docker-archive:FILE[:NAME:TAG], containers-storage:[DRIVER@GRAPHROOT+RUNROOT]NAME[:TAG|@ID], cargohold:NAME:TAG,",
        "docker://HOST[:PORT]/NAME[:TAG|@DIGEST].",
        "Every blob is verified; blobs the destination has are skipped; the destination changes only when the copy commits."})
final class CopyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--all", description = "Copy every image of an index (default: the one for --platform).")
    boolean all;

    @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]", description = "The image to take from an index (default: this machine's).")
    String platform;

    @Option(names = "--remove-signatures", description = "Do not copy signatures (Cargohold copies none yet; accepted for skopeo's scripts).")
    boolean removeSignatures;

    @Option(names = "--dest-compress-format", paramLabel = "gzip|zstd", description = "Compress every layer with this format at the destination.")
    String compressFormat;

    @Option(names = "--dest-compress-level", paramLabel = "N", description = "Compression level (gzip 1-9, zstd 1-22).")
    Integer compressLevel;

    @Option(names = "--digestfile", paramLabel = "FILE", description = "Write the digest of the manifest written at the destination to FILE.")
    Path digestFile;

    @Option(names = {"-q", "--quiet"}, description = "No progress output.")
    boolean quiet;

    @Option(names = "--json", description = "Print a JSON summary on stdout.")
    boolean json;

    @Option(names = {"--max-parallel", "--jobs"}, paramLabel = "N", defaultValue = "6",
            description = "Blobs moved at once where the destination allows it (default 6).")
    int jobs;

    @Option(names = "--src-tls-verify", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
            description = "docker:// source: require HTTPS and verify certificates (default true); false also allows plain HTTP.")
    Boolean srcTlsVerify;

    @Option(names = "--dest-tls-verify", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
            description = "docker:// destination: require HTTPS and verify certificates (default true); false also allows plain HTTP.")
    Boolean destTlsVerify;

    @Option(names = "--src-cert-dir", paramLabel = "DIR", description = "docker:// source: certificates (*.crt, *.cert, *.key) at DIR.")
    Path srcCertDir;

    @Option(names = "--dest-cert-dir", paramLabel = "DIR", description = "docker:// destination: certificates (*.crt, *.cert, *.key) at DIR.")
    Path destCertDir;

    @Option(names = "--src-creds", paramLabel = "USER:PASS", description = "docker:// source: credentials (default: from the auth file).")
    String srcCreds;

    @Option(names = "--dest-creds", paramLabel = "USER:PASS", description = "docker:// destination: credentials (default: from the auth file).")
    String destCreds;

    @Option(names = "--authfile", paramLabel = "FILE",
            description = "Auth file for both sides (default $XDG_RUNTIME_DIR/containers/auth.json, then ~/.docker/config.json).")
    Path authFile;

    @Option(names = "--src-authfile", paramLabel = "FILE", description = "Auth file for the source (overrides --authfile).")
    Path srcAuthFile;

    @Option(names = "--dest-authfile", paramLabel = "FILE", description = "Auth file for the destination (overrides --authfile).")
    Path destAuthFile;

    @Option(names = "--retry-times", paramLabel = "N", description = "Retries of a failed registry request or dropped download (default 3).")
    Integer retryTimes;

    @Parameters(index = "0", paramLabel = "SOURCE", description = "Where the image comes from, as TRANSPORT:REFERENCE (e.g. oci:/tmp/layout:latest, docker://localhost:5000/app:1).")
    String source;

    @Parameters(index = "1", paramLabel = "DESTINATION", description = "Where it goes, as TRANSPORT:REFERENCE (e.g. cargohold:app:1, containers-storage:app:1).")
    String destination;

    /** The top-level command when {@link QuickCommands} runs this one without picocli (spec is then null). */
    CargoholdCommand top;

    private CargoholdCommand top() {
        return top != null ? top : (CargoholdCommand) spec.root().userObject();
    }

    private CliContext ctx() {
        return top().context;
    }

    /**
     * containers-storage's default store as skopeo would use it: storage.conf and the environment, resolved
     * by the storage library ({@link StorageConfig}) exactly as {@code containers-storage} resolves them.
     * Only a copy that names {@code containers-storage:} among {@code refs} uses it (null for the others:
     * storage.conf is not read for them); when it cannot be had (a bad file, a driver this library lacks),
     * such a copy fails with the reason.
     */
    static StoreOptions defaultStorage(Map<String, String> env, String... refs) throws IOException {
        if (java.util.Arrays.stream(refs).noneMatch(r -> r.startsWith("containers-storage:"))) {
            return null;
        }
        try {
            return StorageConfig.load(env, ConfigHost.REAL).toStoreOptions(Path.of("").toAbsolutePath());
        } catch (IOException e) {
            throw new IOException("the default containers-storage store (storage.conf): " + e.getMessage(), e);
        }
    }

    @Override
    public Integer call() throws IOException {
        CargoholdCommand top = top();
        CopyOptions o = CopyOptions.defaults().withAll(all).withRemoveSignatures(removeSignatures).withParallelism(jobs);
        if (platform != null) {
            o = o.withPlatform(Platforms.parse(platform));
        }
        if (compressFormat != null) {
            CopyOptions.LayerFormat f = switch (compressFormat) {
                case "gzip" -> CopyOptions.LayerFormat.GZIP;
                case "zstd" -> CopyOptions.LayerFormat.ZSTD;
                default -> throw new InvalidArgumentException("--dest-compress-format: unknown format \"" + compressFormat
                        + "\" (gzip or zstd)");
            };
            int max = f == CopyOptions.LayerFormat.GZIP ? 9 : 22;
            if (compressLevel != null && (compressLevel < 1 || compressLevel > max)) {
                throw new InvalidArgumentException("--dest-compress-level: " + compressLevel + " is out of range for "
                        + compressFormat + " (1-" + max + ")");
            }
            o = o.withCompression(f, compressLevel);
        } else if (compressLevel != null) {
            throw new InvalidArgumentException("--dest-compress-level needs --dest-compress-format");
        }
        Transports transports = Transports.standard();
        // each side's docker:// transport carries that side's registry options; both share where blobs were seen (mounts)
        io.cargohold.registry.docker.BlobLocations seen = new io.cargohold.registry.docker.BlobLocations();
        ImageReference src = transports.with(io.cargohold.registry.docker.DockerTransport.with(RegistryFlags.build(ctx().env(), srcTlsVerify,
                srcCertDir, srcCreds, srcAuthFile != null ? srcAuthFile : authFile, retryTimes), seen, srcTlsVerify)).parse(source);
        ImageReference dst = transports.with(io.cargohold.registry.docker.DockerTransport.with(RegistryFlags.build(ctx().env(), destTlsVerify,
                destCertDir, destCreds, destAuthFile != null ? destAuthFile : authFile, retryTimes), seen, destTlsVerify)).parse(destination);
        CopyProgress progress = quiet || json ? null : CopyProgress.forTerminal(ctx().err(), ctx().env());
        if (progress != null) {
            o = o.withListener(progress);
        }
        CopyContext context = CopyContext.of(ctx().storeRoot(top.root), defaultStorage(ctx().env(), source, destination));
        long t0 = System.nanoTime();
        CopyResult r = ImageCopier.copy(src, dst, context, o);
        double secs = (System.nanoTime() - t0) / 1e9;
        if (digestFile != null) {
            AtomicFile.write(digestFile, r.manifestDigest().toString().getBytes(StandardCharsets.UTF_8));
        }
        if (json) {
            Map<String, Object> m = ImageCommands.copySummary(r, secs);
            Output.json(ctx().out(), m);
        } else if (progress != null) {
            ctx().err().printf("Copied %s to %s: %d blobs copied (%s), %d reused, manifest %s, %.1f s%n", r.source(), r.destination(),
                    r.blobsCopied(), Output.bytes(r.bytesCopied()), r.blobsReused(), r.manifestDigest(), secs);
        }
        return 0;
    }
}
