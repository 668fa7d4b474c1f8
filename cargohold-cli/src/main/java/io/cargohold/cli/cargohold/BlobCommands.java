package io.cargohold.cli.cargohold;

import io.cargohold.cli.Output;
import io.cargohold.cli.Progress;
import io.cargohold.content.BlobInfo;
import io.cargohold.content.BlobProvider.Verify;
import io.cargohold.content.BlobQuery;
import io.cargohold.content.BlobStore;
import io.cargohold.content.PutOptions;
import io.cargohold.content.PutResult;
import io.cargohold.digest.Digest;
import io.cargohold.digest.DigestAlgorithm;
import io.cargohold.digest.DigestPrefix;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.fs.AtomicFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cargohold blob ...}: one class per subcommand. */
@Command(name = "blob", description = "Put, get, list, resolve and remove blobs.",
        subcommands = {BlobCommands.Put.class, BlobCommands.Get.class, BlobCommands.Ls.class, BlobCommands.Info.class,
                       BlobCommands.Resolve.class, BlobCommands.Rm.class, BlobDataCommands.class})
final class BlobCommands {

    @Command(name = "put", description = "Store a file (or stdin with '-'); prints its digest.")
    static final class Put extends StoreCommand {
        @Parameters(paramLabel = "FILE|-", description = "The content; '-' reads standard input.")
        String file;

        @Option(names = "--digest", paramLabel = "DIGEST", description = "Expected digest; a mismatch stores nothing and fails (exit 5).")
        String digest;

        @Option(names = "--size", paramLabel = "BYTES", description = "Expected size in bytes.")
        Long size;

        @Option(names = "--media-type", paramLabel = "TYPE", description = "Media type to record.")
        String mediaType;

        @Option(names = "--algorithm", paramLabel = "ALG", description = "sha256 (default) or sha512, when no --digest is given.")
        String algorithm;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        int run(BlobStore store) throws IOException {
            PutOptions opts = PutOptions.defaults();
            if (algorithm != null) {
                opts = opts.withAlgorithm(DigestAlgorithm.fromOciName(algorithm));
            }
            if (digest != null) {
                Digest expected = Digest.parse(digest);
                if (algorithm != null && expected.algorithm() != opts.algorithm()) {
                    throw new InvalidArgumentException("--algorithm " + algorithm + " contradicts --digest " + expected);
                }
                opts = opts.withExpectedDigest(expected);
            }
            if (size != null) {
                if (size < 0) {
                    throw new InvalidArgumentException("--size must not be negative");
                }
                opts = opts.withExpectedSize(size);
            }
            if (mediaType != null) {
                opts = opts.withMediaType(mediaType);
            }
            PutResult r;
            if ("-".equals(file)) {
                r = store.put(ctx().in(), opts);
            } else {
                Path p = Path.of(file);
                Progress progress;
                try {
                    progress = Progress.forTerminal(ctx().err(), "put", Files.size(p));
                } catch (NoSuchFileException e) {
                    throw new NotFoundException("no such file: " + file);
                }
                try (InputStream in = Files.newInputStream(p)) {
                    r = store.put(in, progress == null ? opts : opts.withProgress(progress));
                } finally {
                    if (progress != null) {
                        progress.finish();
                    }
                }
            }
            if (json) {
                Map<String, Object> m = Output.blob(r.info());
                m.put("status", r.status() == PutResult.Status.INSERTED ? "inserted" : "already-present");
                Output.json(ctx().out(), m);
            } else {
                ctx().out().println(r.info().digest());
            }
            return 0;
        }
    }

    @Command(name = "get", description = "Write a blob to stdout (or a file), verifying its digest as it goes.")
    static final class Get extends StoreCommand {
        @Parameters(paramLabel = "DIGEST|PREFIX", description = "The blob: its digest (sha256:… or sha512:…) or an unambiguous prefix of it.")
        String ref;

        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write to FILE (atomically) instead of stdout.")
        Path output;

        @Option(names = "--no-verify", description = "Skip the digest check while reading.")
        boolean noVerify;

        @Override
        int run(BlobStore store) throws IOException {
            Digest d = resolve(store, ref);
            try (InputStream in = store.open(d, noVerify ? Verify.NONE : Verify.CONTENT)) {
                if (output != null) {
                    AtomicFile.write(output, in::transferTo);
                } else {
                    in.transferTo(ctx().out());
                    ctx().out().flush();
                }
            }
            return 0;
        }
    }

    @Command(name = "ls", description = "List blobs (digest, size, media type), ordered by digest.")
    static final class Ls extends StoreCommand {
        @Option(names = "--prefix", paramLabel = "PREFIX", description = "Only digests starting with PREFIX (sha256:ab.. or ab..).")
        String prefix;

        @Option(names = "--media-type", paramLabel = "TYPE", description = "Only blobs of this media type.")
        String mediaType;

        @Option(names = "--data", paramLabel = "NAME[=VALUE]", description = "Only blobs carrying this data record (with this value).")
        String data;

        @Option(names = "--limit", paramLabel = "N", description = "At most N blobs.")
        Integer limit;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        int run(BlobStore store) throws IOException {
            BlobQuery q = BlobQuery.all();
            if (prefix != null) {
                q = q.withPrefix(DigestPrefix.parse(prefix));
            }
            if (mediaType != null) {
                q = q.withMediaType(mediaType);
            }
            if (data != null) {
                int eq = data.indexOf('=');
                if (eq == 0 || data.isEmpty()) {
                    throw new io.cargohold.errors.InvalidArgumentException("--data needs a NAME: --data NAME or --data NAME=VALUE");
                }
                q = eq < 0 ? q.withData(data, null) : q.withData(data.substring(0, eq), data.substring(eq + 1));
            }
            if (limit != null) {
                if (limit <= 0) {
                    throw new InvalidArgumentException("--limit must be positive");
                }
                q = q.withLimit(limit);
            }
            List<BlobInfo> blobs = store.list(q);
            if (json) {
                List<Object> rows = new ArrayList<>();
                blobs.forEach(b -> rows.add(Output.blob(b)));
                Output.json(ctx().out(), rows);
            } else {
                blobs.forEach(b -> ctx().out().println(Output.blobLine(b)));
            }
            return 0;
        }
    }

    @Command(name = "info", description = "Show a blob's index entry and data records.")
    static final class Info extends StoreCommand {
        @Parameters(paramLabel = "DIGEST|PREFIX", description = "The blob: its digest (sha256:… or sha512:…) or an unambiguous prefix of it.")
        String ref;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        int run(BlobStore store) throws IOException {
            BlobInfo b = store.info(resolve(store, ref));
            Map<String, String> data = store.listData(b.digest());
            if (json) {
                Map<String, Object> m = Output.blob(b);
                m.put("data", data);
                List<Object> refs = new ArrayList<>();
                store.recordsReferencing(b.digest()).forEach(r -> refs.add(r.namespace() + "/" + r.key()));
                m.put("referencedBy", refs);
                Output.json(ctx().out(), m);
            } else {
                var out = ctx().out();
                out.println("digest:     " + b.digest());
                out.println("size:       " + b.size());
                out.println("media type: " + (b.mediaType() == null ? "-" : b.mediaType()));
                out.println("added:      " + b.addedAt());
                data.forEach((k, v) -> out.println("data:       " + k + "=" + v));
                store.recordsReferencing(b.digest()).forEach(r -> out.println("referenced: " + r.namespace() + "/" + r.key()));
            }
            return 0;
        }
    }

    @Command(name = "resolve", description = "Print the full digest an unambiguous prefix names.")
    static final class Resolve extends StoreCommand {
        @Parameters(paramLabel = "PREFIX", description = "The start of a digest (with or without the algorithm), at least 4 hex digits.")
        String prefix;

        @Override
        int run(BlobStore store) throws IOException {
            ctx().out().println(resolve(store, prefix));
            return 0;
        }
    }

    @Command(name = "rm", description = "Remove blobs (and their data records). Blobs referenced by kv records are refused.")
    static final class Rm extends StoreCommand {
        @Parameters(paramLabel = "DIGEST|PREFIX", arity = "1..*", description = "The blobs: digests or unambiguous prefixes.")
        List<String> refs;

        @Override
        int run(BlobStore store) throws IOException {
            for (String ref : refs) {
                Digest d = resolve(store, ref);
                store.delete(d);
                ctx().out().println(d);
            }
            return 0;
        }
    }
}
