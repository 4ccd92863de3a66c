package io.sparkfast.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint replacement on shared storage: a reader sees the previous complete checkpoint or the new one. */
class CheckpointStoreTest {

  @TempDir
  Path tmp;

  @Test
  void aWriterDyingBeforeTheRenameLeavesThePreviousCheckpoint() throws Exception {
    CheckpointStore store = new CheckpointStore("crashfs://" + tmp.resolve("store"));
    store.checkWritable();
    Path v1 = Files.writeString(tmp.resolve("v1"), "epoch 1");
    Path v2 = Files.writeString(tmp.resolve("v2"), "epoch 2");
    store.put(v1, "phase1.ckpt");
    CrashingFileSystem.crashOnRename = true;
    try {
      assertThrows(UncheckedIOException.class, () -> store.put(v2, "phase1.ckpt")); // rank 0 dies mid-put
    } finally {
      CrashingFileSystem.crashOnRename = false;
    }
    Path got = tmp.resolve("got/phase1.ckpt");
    assertTrue(store.get("phase1.ckpt", got), "the previous complete checkpoint must still be there");
    assertEquals("epoch 1", Files.readString(got));
    // and the next put (the retried stage) replaces it normally
    store.put(v2, "phase1.ckpt");
    Path again = tmp.resolve("again/phase1.ckpt");
    assertTrue(store.get("phase1.ckpt", again));
    assertEquals("epoch 2", Files.readString(again));
  }

  /** An empty folder goes (and an absent one counts as gone); one holding a checkpoint stays until delete(). */
  @Test
  void deleteIfEmptyKeepsCheckpointsAndDeleteRemovesThem() throws Exception {
    CheckpointStore store = new CheckpointStore(tmp.resolve("run").toString());
    store.checkWritable();
    assertTrue(store.deleteIfEmpty());
    assertFalse(Files.exists(tmp.resolve("run")));
    assertTrue(store.deleteIfEmpty());
    store.checkWritable();
    store.put(Files.writeString(tmp.resolve("c"), "epoch 1"), "phase0.ckpt");
    assertFalse(store.deleteIfEmpty());
    assertTrue(Files.exists(tmp.resolve("run/phase0.ckpt")));
    store.delete();
    assertFalse(Files.exists(tmp.resolve("run")));
  }

  @Test
  void putReplacesAndGetReads() throws Exception {
    CheckpointStore store = new CheckpointStore(tmp.resolve("plain").toString());
    store.checkWritable();
    assertTrue(!store.get("phase0.ckpt", tmp.resolve("none/phase0.ckpt")));
    for (int i = 0; i < 3; i++) {
      store.put(Files.writeString(tmp.resolve("v" + i), "v" + i), "phase0.ckpt");
      Path got = tmp.resolve("got" + i + "/phase0.ckpt");
      assertTrue(store.get("phase0.ckpt", got));
      assertEquals("v" + i, Files.readString(got));
    }
  }
}
