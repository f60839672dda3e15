package dev.gemmaspark.connector.runtime;

import java.net.URI;
import java.net.UnknownHostException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * Scheme {@code unreachable://}: fails to start as HDFS's client does for a name node host that does not
 * resolve, an {@link IllegalArgumentException} around an {@link UnknownHostException} (from hadoop-common's
 * {@code SecurityUtil.buildTokenService}), without a lookup in the test.
 */
public final class UnreachableTestFileSystem extends RawLocalFileSystem {
    @Override
    public void initialize(URI uri, Configuration conf) {
        throw new IllegalArgumentException(new UnknownHostException(uri.getHost()));
    }
}
