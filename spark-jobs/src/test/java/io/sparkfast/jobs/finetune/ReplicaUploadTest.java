package io.sparkfast.jobs.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rank 0's upload of its outputs into the job's work directory. */
class ReplicaUploadTest {

  @TempDir
  Path tmp;

  /**
   * A barrier stage that runs again after rank 0 already uploaded (its shuffle output was lost, or another replica
   * failed at the very end) uploads once more: the second upload must replace the first, not nest inside it.
   */
  @Test
  void aRepeatedUploadReplacesTheFolders() throws Exception {
    Path out = Files.createDirectories(tmp.resolve("out"));
    Path first = tmp.resolve("attempt0");
    Files.createDirectories(first.resolve("model"));
    Files.writeString(first.resolve("model/model-0000.params"), "attempt 0");
    FinetuneJob.ReplicaRun.upload(first, out.toUri().toString(), "model", "plots");
    Path second = tmp.resolve("attempt1");
    Files.createDirectories(second.resolve("model"));
    Files.writeString(second.resolve("model/model-0000.params"), "attempt 1");
    FinetuneJob.ReplicaRun.upload(second, out.toUri().toString(), "model", "plots");
    assertFalse(Files.exists(out.resolve("model/model")), "the retry's model nested inside the first one");
    assertEquals("attempt 1", Files.readString(out.resolve("model/model-0000.params")));
  }
}
