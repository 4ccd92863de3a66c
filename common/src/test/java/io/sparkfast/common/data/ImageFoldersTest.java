package io.sparkfast.common.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkfast.common.testing.TestImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFoldersTest {

  @Test
  void readsTrainValidLayoutWithSortedVocab(@TempDir Path root) throws IOException {
    TestImages.writeFolderTree(root, new String[] {"train", "valid"}, new String[] {"dog", "cat"}, 3, 8);
    Files.writeString(root.resolve("train/cat/notes.txt"), "not an image");
    ImageSplits s = ImageFolders.fromSplitFolders(root, "train", "valid");
    assertEquals(List.of("cat", "dog"), s.vocab().labels());
    assertEquals(6, s.train().size());
    assertEquals(6, s.valid().size());
    assertEquals(0, s.train().get(0).label());
    assertTrue(s.train().get(0).source().name().contains("cat"));
    assertEquals(1, s.valid().get(5).label());
  }

  @Test
  void validPctSplitIsSeededAndDeterministic(@TempDir Path root) {
    TestImages.writeFolderTree(root, new String[0], new String[] {"a", "b", "c"}, 10, 4);
    ImageSplits s1 = ImageFolders.fromClassFolders(root, 0.2, 42);
    ImageSplits s2 = ImageFolders.fromClassFolders(root, 0.2, 42);
    ImageSplits s3 = ImageFolders.fromClassFolders(root, 0.2, 7);
    assertEquals(6, s1.valid().size());
    assertEquals(24, s1.train().size());
    assertEquals(names(s1.valid()), names(s2.valid()));
    assertNotEquals(names(s1.valid()), names(s3.valid()));
    Set<String> all = new HashSet<>(names(s1.train()));
    all.addAll(names(s1.valid()));
    assertEquals(30, all.size(), "train and valid are disjoint and complete");
  }

  @Test
  void randomSplitMatchesHandComputedShuffle() {
    List<Integer> items = List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    List<List<Integer>> split = ImageFolders.randomSplit(items, 0.3, 1);
    List<Integer> idx = new java.util.ArrayList<>(items);
    java.util.Collections.shuffle(idx, new java.util.Random(1));
    assertEquals(new HashSet<>(idx.subList(0, 3)), new HashSet<>(split.get(1)));
    assertEquals(7, split.get(0).size());
  }

  @Test
  void readsCsvSingleAndMultiLabel(@TempDir Path root) throws IOException {
    TestImages.writeFolderTree(root, new String[0], new String[] {"imgs"}, 4, 4);
    Files.writeString(root.resolve("labels.csv"),
        "fname,labels,is_valid\nimgs/0.png,cat dog,false\nimgs/1.png,dog,false\n\"imgs/2.png\",,true\nimgs/3.png,bird cat,1\n");
    ImageSplits multi = ImageFolders.fromCsv(root, root.resolve("labels.csv"), " ", 0.5, 1);
    assertTrue(multi.multiLabel());
    assertEquals(List.of("bird", "cat", "dog"), multi.vocab().labels());
    assertEquals(2, multi.train().size());
    assertEquals(List.of(1, 2), multi.train().get(0).labels());
    assertEquals(List.of(), multi.valid().get(0).labels());
    assertEquals(List.of(0, 1), multi.valid().get(1).labels());

    Files.writeString(root.resolve("single.csv"), "path,label\nimgs/0.png,x\nimgs/1.png,y\nimgs/2.png,x\nimgs/3.png,y\n");
    ImageSplits single = ImageFolders.fromCsv(root, root.resolve("single.csv"), null, 0.5, 1);
    assertEquals(2, single.valid().size());
    assertEquals(List.of("x", "y"), single.vocab().labels());
  }

  @Test
  void readsCsvColumnsByNameWithSuffixAndValidColumn(@TempDir Path root) throws IOException {
    TestImages.writeFolderTree(root, new String[0], new String[] {"imgs"}, 4, 4);
    // fastai's from_csv(fn_col='name', label_col='tags', valid_col='valid', suffix='.png', label_delim=';')
    Files.writeString(root.resolve("tags.csv"),
        "valid,tags,name\n0,b;a,imgs/0\n0,a,imgs/1\n1,,imgs/2\n1,c,imgs/3\n");
    CsvLayout layout = new CsvLayout("name", "tags", "valid", ";", ".png");
    ImageSplits s = ImageFolders.fromCsvLayout(root, root.resolve("tags.csv"), layout, 0.0, 1);
    assertTrue(s.multiLabel());
    assertEquals(List.of("a", "b", "c"), s.vocab().labels());
    assertEquals(List.of(List.of(0, 1), List.of(0)), s.train().stream().map(ImageItem::labels).toList());
    assertEquals(List.of(List.of(), List.of(2)), s.valid().stream().map(ImageItem::labels).toList());
    // columns by number, as fastai's fn_col=2, label_col=1
    ImageSplits byNumber = ImageFolders.fromCsvLayout(root, root.resolve("tags.csv"),
        new CsvLayout("2", "1", "0", ";", ".png"), 0.0, 1);
    assertEquals(s.train().size(), byNumber.train().size());

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageFolders.fromCsvLayout(root,
        root.resolve("tags.csv"), new CsvLayout("file", "tags", null, ";", ".png"), 0.0, 1));
    assertTrue(e.getMessage().contains("'file'") && e.getMessage().contains("[valid, tags, name]"), e.getMessage());
    // single-label data may not leave a label empty
    e = assertThrows(IllegalArgumentException.class, () -> ImageFolders.fromCsvLayout(root, root.resolve("tags.csv"),
        new CsvLayout("name", "tags", "valid", null, ".png"), 0.0, 1));
    assertTrue(e.getMessage().contains("empty label") && e.getMessage().contains("line 4"), e.getMessage());
  }

  @Test
  void clearErrorsForBadLayouts(@TempDir Path root) throws IOException {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ImageFolders.fromSplitFolders(root.resolve("nope"), "train", "valid"));
    assertTrue(e.getMessage().contains("nope") && e.getMessage().contains("does not exist"), e.getMessage());

    TestImages.writeFolderTree(root.resolve("d1"), new String[] {"train"}, new String[] {"a"}, 1, 4);
    e = assertThrows(IllegalArgumentException.class, () -> ImageFolders.fromSplitFolders(root.resolve("d1"), "train", "valid"));
    assertTrue(e.getMessage().contains("validation folder") && e.getMessage().contains("validFolder"), e.getMessage());

    Path d2 = root.resolve("d2");
    TestImages.writeFolderTree(d2, new String[0], new String[] {"a"}, 2, 4);
    Files.createDirectories(d2.resolve("empty"));
    Files.writeString(d2.resolve("empty/readme.txt"), "x");
    e = assertThrows(IllegalArgumentException.class, () -> ImageFolders.fromClassFolders(d2, 0.2, 1));
    assertTrue(e.getMessage().contains("empty") && e.getMessage().contains("contains no images"), e.getMessage());

    Path d3 = Files.createDirectories(root.resolve("d3"));
    e = assertThrows(IllegalArgumentException.class, () -> ImageFolders.fromClassFolders(d3, 0.2, 1));
    assertTrue(e.getMessage().contains("No class folders"), e.getMessage());

    e = assertThrows(IllegalArgumentException.class, () -> ImageFolders.fromClassFolders(d2, 1.0, 1));
    assertTrue(e.getMessage().contains("validPct"), e.getMessage());

    Files.writeString(root.resolve("bad.csv"), "path,label\nd2/a/0.png,x\nmissing.png,y\n");
    e = assertThrows(IllegalArgumentException.class,
        () -> ImageFolders.fromCsv(root, root.resolve("bad.csv"), null, 0.2, 1));
    assertTrue(e.getMessage().contains("missing.png") && e.getMessage().contains("line 3"), e.getMessage());
  }

  private static List<String> names(List<ImageItem> items) {
    return items.stream().map(i -> i.source().name()).toList();
  }
}
