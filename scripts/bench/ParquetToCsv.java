import org.apache.spark.sql.SparkSession;

/** Benchmark helper: converts Parquet to one CSV file with a header (pandas here has no Parquet reader). */
public class ParquetToCsv {
  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: java ParquetToCsv.java IN.parquet OUT.csv");
      System.exit(2);
    }
    SparkSession s = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
    java.nio.file.Path tmp = java.nio.file.Files.createTempDirectory("p2c");
    org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> df = s.read().parquet(args[0]);
    for (var f : df.schema().fields()) {
      if (!(f.dataType() instanceof org.apache.spark.sql.types.AtomicType)) {
        df = df.drop(f.name()); // CSV holds scalar columns only
      }
    }
    df.coalesce(1).write().mode("overwrite").option("header", true).csv(tmp.resolve("o").toString());
    try (var files = java.nio.file.Files.list(tmp.resolve("o"))) {
      java.nio.file.Path part = files.filter(p -> p.getFileName().toString().startsWith("part-")).findFirst().orElseThrow();
      java.nio.file.Files.move(part, java.nio.file.Path.of(args[1]), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    s.stop();
  }
}
