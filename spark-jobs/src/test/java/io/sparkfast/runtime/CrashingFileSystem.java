package io.sparkfast.runtime;

import java.io.IOException;
import java.net.URI;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The local file system under the scheme {@code crashfs:}, whose {@link #rename} of an upload into place can be made
 * to fail as if the writing process died just before it (registered through META-INF/services for the checkpoint tests).
 */
public class CrashingFileSystem extends RawLocalFileSystem {

  /** When set, the next rename of an upload (a {@code .tmp-} file) into place throws instead of renaming. */
  static volatile boolean crashOnRename;

  @Override
  public String getScheme() {
    return "crashfs";
  }

  @Override
  public URI getUri() {
    return URI.create("crashfs:///");
  }

  @Override
  public boolean rename(Path src, Path dst) throws IOException {
    if (crashOnRename && src.getName().contains(".tmp-")) {
      crashOnRename = false;
      throw new IOException("simulated crash before renaming " + src + " to " + dst);
    }
    return super.rename(src, dst);
  }
}
