package io.sparkfast.runtime.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Ring setup in the presence of connections that are not ring peers. */
class RingHandshakeTest {

  static final byte[] SECRET = "run-secret-0123456789".getBytes();

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
    try (Socket silent = new Socket()) {
      silent.connect(new InetSocketAddress("127.0.0.1", port0), 5000); // connects, then never speaks
      Thread.sleep(200);
      Future<float[]> r0 = pool.submit(() -> {
        try (Collective c = RingCollective.connect(s0, peers, 0, SECRET, Duration.ofSeconds(8),
            Duration.ofSeconds(5), WireFormat.FP32, 100)) {
          float[] d = {1, 2};
          c.allReduceMean(d);
          return d;
        }
      });
      Future<float[]> r1 = pool.submit(() -> {
        try (Collective c = RingCollective.connect(s1, peers, 1, SECRET, Duration.ofSeconds(8),
            Duration.ofSeconds(5), WireFormat.FP32, 100)) {
          float[] d = {3, 4};
          c.allReduceMean(d);
          return d;
        }
      });
      assertArrayEquals(new float[] {2, 3}, r0.get(30, TimeUnit.SECONDS));
      assertArrayEquals(new float[] {2, 3}, r1.get(30, TimeUnit.SECONDS));
    } finally {
      pool.shutdownNow();
      s0.close();
      s1.close();
    }
  }
}
