package io.sparkfast.runtime.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.engine.Engine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/** The TCP ring on 127.0.0.1 with one thread per replica: correctness, timeouts, dead peers and authentication. */
class RingCollectiveTest {

  static final byte[] SECRET = "run-secret-0123456789".getBytes();

  /** Runs {@code body(rank, collective)} on n connected replicas and returns each result (or its exception). */
  static <T> List<Object> ring(int n, WireFormat wire, Duration opTimeout, BiFunction<Integer, Collective, T> body)
      throws Exception {
    List<RingCollective.Server> servers = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      servers.add(RingCollective.Server.bind("127.0.0.1"));
    }
    List<String> peers = servers.stream().map(RingCollective.Server::address).toList();
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<T>> fs = new ArrayList<>();
      for (int r = 0; r < n; r++) {
        int rank = r;
        fs.add(pool.submit((Callable<T>) () -> {
          try (Collective c = RingCollective.connect(servers.get(rank), peers, rank, SECRET, Duration.ofSeconds(20),
              opTimeout, wire, 1000)) {
            return body.apply(rank, c);
          }
        }));
      }
      List<Object> out = new ArrayList<>();
      for (Future<T> f : fs) {
        try {
          out.add(f.get(60, TimeUnit.SECONDS));
        } catch (ExecutionException e) {
          out.add(e.getCause());
        }
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  static float[] data(int rank, int len) {
    Random r = new Random(rank * 1000L + len);
    float[] d = new float[len];
    for (int i = 0; i < len; i++) {
      d[i] = (float) r.nextGaussian();
    }
    return d;
  }

  @Test
  void allReduceMeanMatchesTheElementwiseMean() throws Exception {
    for (int n : new int[] {2, 3, 4}) {
      for (int len : new int[] {1, 5, 1000, 123_457}) {
        for (WireFormat wire : WireFormat.values()) {
          float[] expected = new float[len];
          for (int r = 0; r < n; r++) {
            float[] d = data(r, len);
            for (int i = 0; i < len; i++) {
              expected[i] += d[i] / n;
            }
          }
          List<Object> res = ring(n, wire, Duration.ofSeconds(10), (rank, c) -> {
            float[] d = data(rank, len);
            c.allReduceMean(d);
            return d;
          });
          float[] first = (float[]) res.get(0);
          for (Object o : res) {
            assertArrayEquals(first, (float[]) o, 0f, "replicas must hold identical values");
          }
          float tol = wire == WireFormat.FP32 ? 1e-5f : 0.02f;
          for (int i = 0; i < len; i++) {
            assertEquals(expected[i], first[i], tol * Math.max(1, Math.abs(expected[i])),
                "n=" + n + " len=" + len + " " + wire + " i=" + i);
          }
        }
      }
    }
  }

  @Test
  void sumBroadcastAndBarrier() throws Exception {
    List<Object> res = ring(3, WireFormat.BF16, Duration.ofSeconds(10), (rank, c) -> {
      double[] s = {rank, 1e12 + rank};
      c.allReduceSum(s);
      float[] b = rank == 1 ? new float[] {1.2345678f, 7f} : new float[2];
      c.broadcast(b, 1);
      c.barrier();
      assertTrue(c.bytesSent() > 0);
      return new Object[] {s, b};
    });
    for (Object o : res) {
      Object[] pair = (Object[]) o;
      assertArrayEquals(new double[] {3, 3e12 + 3}, (double[]) pair[0]);
      assertArrayEquals(new float[] {1.2345678f, 7f}, (float[]) pair[1]);
    }
  }

  @Test
  void aStalledPeerFailsTheOthersWithinTheTimeout() throws Exception {
    long t0 = System.nanoTime();
    List<Object> res = ring(3, WireFormat.FP32, Duration.ofSeconds(2), (rank, c) -> {
      if (rank == 2) {
        try {
          Thread.sleep(6000); // stalls past the 2 s timeout
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return null;
      }
      long s = System.nanoTime();
      try {
        c.allReduceMean(new float[100]);
        return "no failure";
      } catch (CollectiveException e) {
        return new long[] {(System.nanoTime() - s) / 1_000_000};
      }
    });
    for (int r = 0; r < 2; r++) {
      Object o = res.get(r);
      assertInstanceOf(long[].class, o, "rank " + r + " must fail, got " + o);
      long ms = ((long[]) o)[0];
      assertTrue(ms < 2000 + 2000, "rank " + r + " failed after " + ms + " ms; timeout 2 s");
    }
    assertTrue((System.nanoTime() - t0) / 1e9 < 30);
  }

  @Test
  void aBarrierWithItsOwnDeadlineOutwaitsTheOpTimeoutThenOpsUseItAgain() throws Exception {
    // op timeout 1 s; rank 2 works 3 s before the barrier (presizing a shard), which waits up to 20 s
    List<Object> res = ring(3, WireFormat.FP32, Duration.ofSeconds(1), (rank, c) -> {
      if (rank == 2) {
        sleep(3000);
      }
      c.barrier(Duration.ofSeconds(20));
      float[] x = {rank};
      c.allReduceMean(x);
      if (rank == 2) {
        sleep(4000); // now stalls past the 1 s op timeout: the others must fail again, not wait 20 s
      }
      long s = System.nanoTime();
      try {
        c.allReduceMean(new float[10]);
        return rank == 2 ? x[0] : "no failure";
      } catch (CollectiveException e) {
        return new Object[] {x[0], (System.nanoTime() - s) / 1_000_000, e.getMessage()};
      }
    });
    for (int r = 0; r < 2; r++) {
      Object o = res.get(r);
      assertInstanceOf(Object[].class, o, "rank " + r + " must fail after the barrier, got " + o);
      Object[] got = (Object[]) o;
      assertEquals(1.0f, (float) got[0], 1e-6f, "the barrier passed and the ring still averaged");
      assertTrue((long) got[1] < 1000 + 2000, "rank " + r + " failed after " + got[1] + " ms; op timeout 1 s");
      assertTrue(((String) got[2]).contains("PT1S"), (String) got[2]);
    }
  }

  @Test
  void aBarrierStillFailsAtItsOwnDeadline() throws Exception {
    List<Object> res = ring(2, WireFormat.FP32, Duration.ofSeconds(30), (rank, c) -> {
      if (rank == 1) {
        sleep(5000);
        return null;
      }
      long s = System.nanoTime();
      try {
        c.barrier(Duration.ofSeconds(2));
        return "no failure";
      } catch (CollectiveException e) {
        return new Object[] {(System.nanoTime() - s) / 1_000_000, e.getMessage()};
      }
    });
    Object[] got = (Object[]) res.get(0);
    assertTrue((long) got[0] >= 1900 && (long) got[0] < 4000, "failed after " + got[0] + " ms; deadline 2 s");
    assertTrue(((String) got[1]).contains("sent nothing for PT2S"), (String) got[1]);
  }

  @Test
  void requireSamePassesWhenAllAgreeAndFailsEveryReplicaOtherwise() throws Exception {
    long value = 0x1234_5678_9abc_def0L;
    List<Object> same = ring(3, WireFormat.BF16, Duration.ofSeconds(10), (rank, c) -> {
      c.requireSame(value, "the checkpoint");
      return "ok";
    });
    assertEquals(List.of("ok", "ok", "ok"), same);
    // differences in any 16-bit part, including ones whose sums agree (1 + 3 == 2 + 2 in the low part)
    long[][] cases = {{value, value, value + 1}, {1, 3, 2, 2}, {0, 1L << 63, 0}};
    for (long[] values : cases) {
      List<Object> res = ring(values.length, WireFormat.FP32, Duration.ofSeconds(10), (rank, c) -> {
        try {
          c.requireSame(values[rank], "the checkpoint");
          return "passed";
        } catch (CollectiveException e) {
          return e.getMessage();
        }
      });
      for (Object o : res) {
        assertTrue(String.valueOf(o).contains("disagree on the checkpoint"),
            java.util.Arrays.toString(values) + ": " + o);
      }
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void aDeadPeerFailsTheOthersPromptly() throws Exception {
    List<Object> res = ring(3, WireFormat.FP32, Duration.ofSeconds(30), (rank, c) -> {
      if (rank == 1) {
        c.close(); // dies: its sockets close
        return null;
      }
      long s = System.nanoTime();
      try {
        for (int i = 0; i < 5; i++) {
          c.allReduceMean(new float[100_000]);
        }
        return "no failure";
      } catch (CollectiveException e) {
        return new Object[] {(System.nanoTime() - s) / 1_000_000, e.getMessage()};
      }
    });
    for (int r : new int[] {0, 2}) {
      Object o = res.get(r);
      assertInstanceOf(Object[].class, o, "rank " + r + " must fail, got " + o);
      assertTrue((long) ((Object[]) o)[0] < 10_000, "rank " + r + " took " + ((Object[]) o)[0] + " ms");
    }
  }

  @Test
  void aWrongSecretIsRejectedAndTheRightPeerStillConnects() throws Exception {
    RingCollective.Server s0 = RingCollective.Server.bind("127.0.0.1");
    RingCollective.Server s1 = RingCollective.Server.bind("127.0.0.1");
    RingCollective.Server intruder = RingCollective.Server.bind("127.0.0.1");
    List<String> peers = List.of(s0.address(), s1.address());
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      // rank 0 listens; an intruder posing as rank 1 with a wrong secret connects to it first
      Future<float[]> r0 = averageOf(pool, s0, peers, 0, Duration.ofSeconds(30), 1, 2);
      Future<Throwable> bad = pool.submit(() -> {
        try {
          RingCollective.connect(intruder, List.of(s0.address(), s0.address()), 1, "wrong".getBytes(),
              Duration.ofSeconds(5), Duration.ofSeconds(5), WireFormat.FP32, 100);
          return null;
        } catch (CollectiveException e) {
          return e;
        }
      });
      Throwable rejected = bad.get(20, TimeUnit.SECONDS);
      assertInstanceOf(CollectiveException.class, rejected);
      assertTrue(rejected.getMessage().contains("authentication"), rejected.getMessage());
      // then the real rank 1 joins and the ring works
      Future<float[]> r1 = averageOf(pool, s1, peers, 1, Duration.ofSeconds(20), 3, 4);
      assertArrayEquals(new float[] {2, 3}, r0.get(30, TimeUnit.SECONDS));
      assertArrayEquals(new float[] {2, 3}, r1.get(30, TimeUnit.SECONDS));
    } finally {
      pool.shutdownNow();
      intruder.close();
    }
  }

  /**
   * A connection that opens and then sends nothing (a port scanner, a health check, a half-open socket) must not
   * keep the legitimate left neighbour from authenticating: the ring still forms well within the connect timeout.
   */
  @Test
  void aSilentConnectionDoesNotBlockTheLegitimatePeer() throws Exception {
    RingCollective.Server s0 = RingCollective.Server.bind("127.0.0.1");
    RingCollective.Server s1 = RingCollective.Server.bind("127.0.0.1");
    List<String> peers = List.of(s0.address(), s1.address());
    int port0 = Integer.parseInt(s0.address().substring(s0.address().lastIndexOf(':') + 1));
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (java.net.Socket silent = new java.net.Socket()) {
      silent.connect(new java.net.InetSocketAddress("127.0.0.1", port0), 5000); // connects, then never speaks
      Thread.sleep(200);
      Future<float[]> r0 = averageOf(pool, s0, peers, 0, Duration.ofSeconds(8), 1, 2);
      Future<float[]> r1 = averageOf(pool, s1, peers, 1, Duration.ofSeconds(8), 3, 4);
      assertArrayEquals(new float[] {2, 3}, r0.get(30, TimeUnit.SECONDS));
      assertArrayEquals(new float[] {2, 3}, r1.get(30, TimeUnit.SECONDS));
    } finally {
      pool.shutdownNow();
      s0.close();
      s1.close();
    }
  }

  /** Joins the ring as {@code rank} (op timeout 5 s) and averages {@code data} with the others. */
  private static Future<float[]> averageOf(ExecutorService pool, RingCollective.Server server, List<String> peers,
      int rank, Duration connectTimeout, float... data) {
    return pool.submit(() -> {
      try (Collective c = RingCollective.connect(server, peers, rank, SECRET, connectTimeout, Duration.ofSeconds(5),
          WireFormat.FP32, 100)) {
        c.allReduceMean(data);
        return data;
      }
    });
  }

  @Test
  void gradientSyncAveragesRealDjlGradients() throws Exception {
    float[][] grads = new float[2][];
    float[][] expected = new float[2][];
    // each replica: a Linear layer with identical weights, different inputs
    BiFunction<Integer, Collective, float[]> body = (rank, c) -> {
      Engine.getInstance().setRandomSeed(7);
      try (NDManager m = NDManager.newBaseManager()) {
        Linear lin = Linear.builder().setUnits(3).build();
        lin.initialize(m, DataType.FLOAT32, new Shape(4, 5));
        NDArray x = m.randomNormal(new Shape(4, 5)).add(rank);
        List<Parameter> params = lin.getParameters().values();
        synchronized (RingCollectiveTest.class) { // DJL allows one GradientCollector per JVM at a time
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray y = lin.forward(new ParameterStore(m, false), new NDList(x), true).singletonOrThrow();
            gc.backward(y.square().mean());
          }
        }
        float[] own = params.get(0).getArray().getGradient().toFloatArray();
        new AllReduceGradientSync(c).sync(params, null);
        float[] synced = params.get(0).getArray().getGradient().toFloatArray();
        return concat(own, synced);
      }
    };
    List<Object> res = ring(2, WireFormat.FP32, Duration.ofSeconds(10), body);
    for (int r = 0; r < 2; r++) {
      if (res.get(r) instanceof Throwable t) {
        throw new AssertionError("rank " + r + " failed", t);
      }
      float[] all = (float[]) res.get(r);
      grads[r] = java.util.Arrays.copyOfRange(all, 0, all.length / 2);
      expected[r] = java.util.Arrays.copyOfRange(all, all.length / 2, all.length);
    }
    for (int i = 0; i < grads[0].length; i++) {
      float mean = (grads[0][i] + grads[1][i]) / 2;
      assertEquals(mean, expected[0][i], 1e-6);
      assertEquals(mean, expected[1][i], 1e-6);
    }
    assertTrue(!java.util.Arrays.equals(grads[0], grads[1]), "the replicas' own gradients differ");
  }

  static float[] concat(float[] a, float[] b) {
    float[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
