package io.sparkfast.common.data;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The class vocabulary of an image classifier: distinct labels in sorted (natural string) order, as fastai's
 * {@code CategoryMap} sorts them. Index {@code i} of the model output is label {@code labels().get(i)}.
 *
 * <p>Persisted with a model as {@code labels.txt}, one label per line, in index order.
 */
public final class Vocab implements Serializable {
  private static final long serialVersionUID = 1L;

  private final List<String> labels;
  private final Map<String, Integer> index;

  private Vocab(List<String> sortedLabels) {
    this.labels = List.copyOf(sortedLabels);
    Map<String, Integer> idx = new HashMap<>();
    for (int i = 0; i < labels.size(); i++) {
      idx.put(labels.get(i), i);
    }
    this.index = Map.copyOf(idx);
  }

  /**
   * Builds a vocabulary from the labels seen (duplicates allowed), sorted.
   *
   * @param seen labels as they occur in the data
   * @return the sorted vocabulary
   */
  public static Vocab of(Collection<String> seen) {
    TreeSet<String> sorted = new TreeSet<>();
    for (String s : seen) {
      checkLabel(s);
      sorted.add(s);
    }
    if (sorted.isEmpty()) {
      throw new IllegalArgumentException("A class vocabulary needs at least one label; none were found");
    }
    return new Vocab(new ArrayList<>(sorted));
  }

  /**
   * A vocabulary in exactly the given order (as read back from {@code labels.txt}); labels must be distinct.
   *
   * @param ordered labels in model-output order
   * @return the vocabulary
   */
  public static Vocab ofOrdered(List<String> ordered) {
    if (ordered.isEmpty()) {
      throw new IllegalArgumentException("A class vocabulary needs at least one label; the list is empty");
    }
    if (new TreeSet<>(ordered).size() != ordered.size()) {
      throw new IllegalArgumentException("Duplicate labels in class vocabulary: " + ordered);
    }
    ordered.forEach(Vocab::checkLabel);
    return new Vocab(ordered);
  }

  private static void checkLabel(String s) {
    if (s == null || s.isBlank() || s.contains("\n") || s.contains("\r")) {
      throw new IllegalArgumentException("Invalid class label '" + s + "': labels must be non-blank single lines");
    }
  }

  /** Labels in model-output order. */
  public List<String> labels() {
    return labels;
  }

  /** Number of classes. */
  public int size() {
    return labels.size();
  }

  /** Label of class {@code i}. */
  public String get(int i) {
    return labels.get(i);
  }

  /**
   * Index of {@code label}.
   *
   * @throws IllegalArgumentException naming the label and the known ones when it is not in the vocabulary
   */
  public int indexOf(String label) {
    Integer i = index.get(label);
    if (i == null) {
      throw new IllegalArgumentException(
          "Label '" + label + "' is not in the class vocabulary " + abbreviated());
    }
    return i;
  }

  /** Whether {@code label} is in the vocabulary. */
  public boolean contains(String label) {
    return index.containsKey(label);
  }

  /** Writes {@code labels.txt}: one label per line, in index order. */
  public void write(Path file) throws IOException {
    Files.write(file, labels, StandardCharsets.UTF_8);
  }

  /**
   * Reads a vocabulary written by {@link #write}.
   *
   * @throws IllegalArgumentException when the file is missing or holds no labels
   */
  public static Vocab read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("Label file not found: " + file);
    }
    List<String> lines = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (!line.isBlank()) {
        lines.add(line.strip());
      }
    }
    if (lines.isEmpty()) {
      throw new IllegalArgumentException("Label file " + file + " holds no labels");
    }
    return ofOrdered(lines);
  }

  private String abbreviated() {
    return labels.size() <= 20 ? labels.toString() : labels.subList(0, 20) + "... (" + labels.size() + " labels)";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Vocab v && v.labels.equals(labels);
  }

  @Override
  public int hashCode() {
    return labels.hashCode();
  }

  @Override
  public String toString() {
    return "Vocab" + abbreviated();
  }
}
