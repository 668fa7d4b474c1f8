package io.cargohold.registry;

import java.io.IOException;
import java.util.List;

/** Test access to package-private parts of the client. */
final class RegistryClientTestAccess {
    private RegistryClientTestAccess() {
    }

    static String mediaType(String contentType, byte[] bytes) throws IOException {
        return RegistryClient.mediaTypeForTest(contentType, bytes);
    }

    static List<String> tagsPaged(RegistryClient c, String repo, int pageSize) throws IOException {
        return c.tags(repo, pageSize);
    }
}
