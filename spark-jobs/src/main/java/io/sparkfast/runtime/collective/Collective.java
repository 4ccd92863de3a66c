package io.sparkfast.runtime.collective;

/**
 * Collective operations among the N replicas of a data-parallel job, one instance per replica. Every replica must
 * call the same operations in the same order with arrays of the same length. Implementations fail (never hang)
 * when a peer dies or stalls: each operation throws {@link CollectiveException} after its timeout.
 *
 * <p>{@link RingCollective} runs over TCP between Spark executors; a GPU-native implementation (NCCL) can replace it
 * behind this interface.
 */
public interface Collective extends AutoCloseable {

  /** This replica's rank, 0 .. size-1. */
  int rank();

  /** Number of replicas. */
  int size();

  /** Replaces {@code data} with the element-wise mean over all replicas. */
  void allReduceMean(float[] data);

  /** Replaces {@code data} with the element-wise sum over all replicas (exact, for metric counts). */
  void allReduceSum(double[] data);

  /** Replaces {@code data} on every replica with {@code root}'s. */
  void broadcast(float[] data, int root);

  /** Returns when every replica has called it. */
  void barrier();

  /**
   * Returns when every replica has called it, waiting up to {@code timeout} for the slowest instead of the
   * operation timeout: the sync point after long local work whose length differs between replicas (presizing a
   * shard on a fresh executor while the others find theirs cached). A peer whose connection closes fails it at once.
   */
  void barrier(java.time.Duration timeout);

  /**
   * Returns when every replica has called it with the same {@code value}, and fails on every replica otherwise:
   * the check after each replica read shared state on its own (checkpoints), so that replicas never train on from
   * different states. The value travels as 16-bit parts with their squares; all parts agree exactly when
   * {@code size * sum(x^2) == sum(x)^2} for each.
   *
   * @throws CollectiveException naming {@code what} when the replicas disagree
   */
  default void requireSame(long value, String what) {
    double[] v = new double[8];
    for (int i = 0; i < 4; i++) {
      long part = (value >>> (16 * i)) & 0xffff;
      v[2 * i] = part;
      v[2 * i + 1] = (double) (part * part);
    }
    allReduceSum(v);
    for (int i = 0; i < 4; i++) {
      long sum = (long) v[2 * i];
      long sumSq = (long) v[2 * i + 1];
      if ((long) size() * sumSq != sum * sum) {
        throw new CollectiveException("rank " + rank() + ": the replicas disagree on " + what + " (this replica has "
            + Long.toHexString(value) + ")");
      }
    }
  }

  /** Bytes this replica sent so far. */
  long bytesSent();

  /** Nanoseconds this replica spent inside collective operations so far. */
  long nanosInCollectives();

  /** Closes the connections. */
  @Override
  void close();
}
