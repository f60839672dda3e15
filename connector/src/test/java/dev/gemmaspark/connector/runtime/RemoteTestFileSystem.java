package dev.gemmaspark.connector.runtime;

import java.net.URI;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * Local files under the scheme {@code testremote://}: a file system the connector must treat as remote
 * (copy to its cache before mapping), without a cluster in the test.
 */
public final class RemoteTestFileSystem extends RawLocalFileSystem {
    @Override
    public URI getUri() {
        return URI.create("testremote:///");
    }

    @Override
    public String getScheme() {
        return "testremote";
    }
}
