package io.cargohold.cli.cargohold;

import io.cargohold.cli.Output;
import io.cargohold.content.BlobStore;
import io.cargohold.content.StoreStats;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "status", description = "Open (creating when absent) the store and show what it holds.")
final class StatusCommand extends StoreCommand {
    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    int run(BlobStore store) throws IOException {
        StoreStats s = store.stats();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("root", s.root().toString());
            m.put("schemaVersion", s.schemaVersion());
            m.put("blobs", s.blobs());
            m.put("bytes", s.bytes());
            m.put("dataRecords", s.dataRecords());
            m.put("kvRecords", s.kvRecords());
            m.put("ingests", s.ingests());
            m.put("ingestBytes", s.ingestBytes());
            Output.json(ctx().out(), m);
        } else {
            var out = ctx().out();
            out.println("root:           " + s.root());
            out.println("schema version: " + s.schemaVersion());
            out.println("blobs:          " + s.blobs() + " (" + Output.bytes(s.bytes()) + ")");
            out.println("data records:   " + s.dataRecords());
            out.println("kv records:     " + s.kvRecords());
            out.println("ingests:        " + s.ingests() + " (" + Output.bytes(s.ingestBytes()) + ", resumable writes)");
        }
        return 0;
    }
}
