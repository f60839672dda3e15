package dev.gemmaspark.connector.source;

import java.io.IOException;
import java.net.URI;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.security.AccessControlException;

/**
 * Local files under the scheme {@code testlocked://}, where a folder named {@code locked} cannot be listed and
 * a file named {@code secret.txt} cannot be opened, as HDFS refuses a user without permission (the tests run as
 * root, who may read every local file).
 */
public final class LockedTestFileSystem extends RawLocalFileSystem {
    @Override
    public URI getUri() {
        return URI.create("testlocked:///");
    }

    @Override
    public String getScheme() {
        return "testlocked";
    }

    @Override
    public FileStatus[] listStatus(Path f) throws IOException {
        if (f.getName().equals("locked")) {
            throw new AccessControlException("Permission denied: user=test, access=READ_EXECUTE, inode=\"" + f + "\"");
        }
        return super.listStatus(f);
    }

    @Override
    public FSDataInputStream open(Path f, int bufferSize) throws IOException {
        if (f.getName().equals("secret.txt")) {
            throw new AccessControlException("Permission denied: user=test, access=READ, inode=\"" + f + "\"");
        }
        return super.open(f, bufferSize);
    }
}
