package io.sparkfast.common.data;

/**
 * Where a labels CSV keeps what {@link ImageFolders#fromCsvLayout(java.nio.file.Path, java.nio.file.Path, CsvLayout,
 * double, long)} needs (fastai's {@code from_csv} arguments).
 *
 * @param fnCol header name (or 0-based number) of the file-name column, or null for the first column
 * @param labelCol header name (or number) of the label column, or null for the second column
 * @param validCol header name (or number) of the boolean validation column, or null: a column named {@code is_valid} if the
 *     header has one, otherwise none
 * @param labelDelim the delimiter between several labels (multi-label data), or null for one label per row
 * @param suffix appended to each file name (e.g. {@code .jpg}); empty for none
 */
public record CsvLayout(String fnCol, String labelCol, String validCol, String labelDelim, String suffix)
    implements java.io.Serializable {
  public CsvLayout {
    if (labelDelim != null && labelDelim.isEmpty()) {
      throw new IllegalArgumentException("the label delimiter (data.label_delim) must be null or non-empty, e.g. \" \"");
    }
    suffix = suffix == null ? "" : suffix;
  }
}
