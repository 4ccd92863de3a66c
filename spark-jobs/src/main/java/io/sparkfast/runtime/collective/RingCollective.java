package io.sparkfast.runtime.collective;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bandwidth-optimal ring all-reduce over TCP (reduce-scatter, then all-gather: each replica sends
 * {@code 2 (N-1)/N} of the data whatever N), as in Horovod and NCCL's ring algorithm.
 *
 * <p><b>Setup:</b> each replica {@link Server#bind binds} a listening socket, the replicas exchange the addresses
 * (Spark's {@code BarrierTaskContext.allGather}), then {@link #connect} links each replica to its right neighbour
 * and accepts its left neighbour. Peers authenticate with a per-run secret: a mutual HMAC-SHA256 challenge-response
 * over fresh nonces, so the secret never travels and a stranger cannot inject gradients; a rejected connection is
 * logged with its address and closed, and the legitimate peer can still connect.
 *
 * <p><b>Never hang:</b> connecting, the handshake, and every send and receive have a deadline. A peer that dies,
 * stalls or sends a wrong length makes the operation throw {@link CollectiveException} naming the peer and the
 * timeout, so the Spark task fails and Spark retries the barrier stage.
 *
 * <p><b>Transport:</b> blocking {@code java.net} sockets with one sender thread per replica (sending to the right
 * while receiving from the left avoids the deadlock of both sides filling their buffers). Netty, which Spark ships,
 * would add nothing here: a ring has exactly two long-lived connections per replica and a strictly alternating
 * send/receive pattern. Data moves in buckets of {@code bucketFloats} values, as fp32 or bf16 ({@link WireFormat};
 * the reduction itself is always fp32, and with bf16 every replica ends with identical values).
 */
public final class RingCollective implements Collective {

  private static final Logger logger = LoggerFactory.getLogger(RingCollective.class);
  private static final int MAGIC = 0x53464152; // "SFAR"
  private static final int NONCE = 16;

  private final int rank;
  private final int size;
  private final List<String> peers;
  private final WireFormat wire;
  private final int bucketFloats;
  private final long opTimeoutNanos;
  /** The receive deadline now: {@link #opTimeoutNanos}, or a {@link #barrier(Duration)}'s own. */
  private long readTimeoutNanos;
  private final Server server;
  private final Socket toRight;
  private final Socket fromLeft;
  private final DataOutputStream out;
  private final DataInputStream in;
  /** Encoding buffers, reused: one for the sender thread, one for the receiving (caller's) thread. */
  private byte[] sendScratch;
  private byte[] recvScratch;
  private final ExecutorService sender;
  private long bytesSent;
  private long nanos;
  private volatile boolean closed;

  /** A replica's listening socket; its {@link #address()} is what the replicas exchange. */
  public static final class Server implements AutoCloseable {
    private final ServerSocket socket;
    private final String host;

    private Server(ServerSocket socket, String host) {
      this.socket = socket;
      this.host = host;
    }

    /** Binds an ephemeral port on {@code host} (the executor's address). */
    public static Server bind(String host) {
      try {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getByName(host), 0), 16);
        return new Server(s, host);
      } catch (IOException e) {
        throw new CollectiveException("cannot listen on " + host + ": " + e.getMessage(), e);
      }
    }

    /** {@code host:port}. */
    public String address() {
      return host + ":" + socket.getLocalPort();
    }

    @Override
    public void close() {
      try {
        socket.close();
      } catch (IOException e) {
        logger.debug("closing server socket", e);
      }
    }
  }

  private RingCollective(int rank, List<String> peers, WireFormat wire, int bucketFloats, Duration opTimeout,
      Server server, Socket toRight, Socket fromLeft) throws IOException {
    this.rank = rank;
    this.size = peers.size();
    this.peers = List.copyOf(peers);
    this.wire = wire;
    this.bucketFloats = bucketFloats;
    this.opTimeoutNanos = opTimeout.toNanos();
    this.readTimeoutNanos = opTimeoutNanos;
    this.server = server;
    this.toRight = toRight;
    this.fromLeft = fromLeft;
    if (toRight != null) {
      toRight.setTcpNoDelay(true);
      fromLeft.setTcpNoDelay(true);
      fromLeft.setSoTimeout(soTimeout(opTimeout));
      this.out = new DataOutputStream(new BufferedOutputStream(toRight.getOutputStream(), 1 << 16));
      this.in = new DataInputStream(new BufferedInputStream(fromLeft.getInputStream(), 1 << 16));
      this.sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "sparkfast-ring-send-" + rank);
        t.setDaemon(true);
        return t;
      });
    } else {
      this.out = null;
      this.in = null;
      this.sender = null;
    }
  }

  /**
   * Connects replica {@code rank} to its ring neighbours.
   *
   * @param server this replica's bound server (its address is {@code peers.get(rank)})
   * @param peers every replica's {@link Server#address()}, by rank
   * @param secret the per-run shared secret
   * @param connectTimeout deadline for connecting and authenticating both neighbours
   * @param opTimeout deadline of each send and receive afterwards
   * @param bucketFloats values per all-reduce bucket
   * @throws CollectiveException when a neighbour cannot be reached or authenticated in time
   */
  public static RingCollective connect(Server server, List<String> peers, int rank, byte[] secret,
      Duration connectTimeout, Duration opTimeout, WireFormat wire, int bucketFloats) {
    int n = peers.size();
    if (rank < 0 || rank >= n) {
      throw new IllegalArgumentException("rank " + rank + " outside 0.." + (n - 1));
    }
    if (bucketFloats < 1) {
      throw new IllegalArgumentException("bucketFloats must be >= 1");
    }
    try {
      if (n == 1) {
        return new RingCollective(rank, peers, wire, bucketFloats, opTimeout, server, null, null);
      }
      long deadline = System.nanoTime() + connectTimeout.toNanos();
      int left = (rank - 1 + n) % n;
      int right = (rank + 1) % n;
      ExecutorService acceptor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "sparkfast-ring-accept-" + rank);
        t.setDaemon(true);
        return t;
      });
      try {
        Future<Socket> accepted = acceptor.submit(() -> acceptLeft(server, left, secret, deadline, peers));
        Socket toRight;
        try {
          toRight = connectRight(peers.get(right), right, rank, secret, deadline);
        } catch (IOException | RuntimeException e) {
          closeAccepted(accepted);
          throw e;
        }
        Socket fromLeft;
        try {
          fromLeft = accepted.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
          closeAccepted(accepted);
          toRight.close();
          throw new CollectiveException("rank " + rank + ": left neighbour rank " + left + " (" + peers.get(left)
              + ") did not connect within " + connectTimeout);
        } catch (ExecutionException e) {
          toRight.close();
          Throwable c = e.getCause();
          throw c instanceof CollectiveException ce ? ce
              : new CollectiveException("rank " + rank + ": accepting rank " + left + " failed: " + c, c);
        }
        logger.info("Ring rank {}/{} connected: left {} right {}", rank, n, peers.get(left), peers.get(right));
        return new RingCollective(rank, peers, wire, bucketFloats, opTimeout, server, toRight, fromLeft);
      } finally {
        acceptor.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CollectiveException("interrupted while connecting the ring", e);
    } catch (IOException e) {
      throw new CollectiveException("rank " + rank + ": cannot set up the ring: " + e.getMessage(), e);
    }
  }

  /** Stops accepting the left neighbour and closes its socket if it had already connected. */
  private static void closeAccepted(Future<Socket> accepted) {
    if (!accepted.cancel(true)) {
      try {
        closeQuietly(accepted.get(0, TimeUnit.NANOSECONDS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException | java.util.concurrent.CancellationException e) {
        logger.debug("no left neighbour socket to close", e);
      }
    }
  }

  /** Handshakes running at once; connections beyond it are closed unread. */
  private static final int MAX_PENDING_HANDSHAKES = 32;

  /**
   * Accepts connections until one authenticates as rank {@code left}. Each handshake runs on its own thread, so a
   * connection that opens and then stays silent (or trickles) cannot keep the legitimate neighbour waiting.
   */
  private static Socket acceptLeft(Server server, int left, byte[] secret, long deadline, List<String> peers)
      throws IOException {
    java.util.concurrent.CompletableFuture<Socket> winner = new java.util.concurrent.CompletableFuture<>();
    java.util.Set<Socket> pending = java.util.concurrent.ConcurrentHashMap.newKeySet();
    ExecutorService handshakes = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "sparkfast-ring-handshake");
      t.setDaemon(true);
      return t;
    });
    try {
      while (!winner.isDone()) {
        if (Thread.currentThread().isInterrupted()) {
          throw new java.io.InterruptedIOException("interrupted while accepting rank " + left);
        }
        long remainingMs = (deadline - System.nanoTime()) / 1_000_000;
        if (remainingMs <= 0) {
          throw new CollectiveException("rank " + left + " (" + peers.get(left) + ") did not connect in time");
        }
        // short accept timeouts, so that a handshake completing on another thread is noticed promptly
        server.socket.setSoTimeout((int) Math.max(1, Math.min(remainingMs, 100)));
        Socket s;
        try {
          s = server.socket.accept();
        } catch (SocketTimeoutException e) {
          continue;
        }
        if (pending.size() >= MAX_PENDING_HANDSHAKES) {
          logger.warn("Ring: rejected connection from {}: {} handshakes already pending",
              s.getRemoteSocketAddress(), pending.size());
          s.close();
          continue;
        }
        pending.add(s);
        handshakes.execute(() -> {
          try {
            s.setSoTimeout((int) Math.max(1, Math.min(remainingMs, 10_000)));
            int peerRank = handshakeAccept(s, secret);
            if (peerRank == left) {
              if (winner.complete(s)) {
                return;
              }
            } else {
              logger.warn("Ring: rejected connection from {} claiming rank {} (expected rank {})",
                  s.getRemoteSocketAddress(), peerRank, left);
            }
          } catch (AuthException e) {
            logger.warn("Ring: rejected connection from {}: {}", s.getRemoteSocketAddress(), e.getMessage());
          } catch (IOException | RuntimeException e) {
            logger.warn("Ring: handshake with {} failed: {}", s.getRemoteSocketAddress(), e.toString());
          }
          closeQuietly(s);
          pending.remove(s);
        });
      }
      Socket s = winner.join();
      pending.remove(s);
      return s;
    } finally {
      handshakes.shutdownNow();
      for (Socket s : pending) {
        closeQuietly(s);
      }
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      logger.debug("closing socket", e);
    }
  }

  private static Socket connectRight(String address, int right, int rank, byte[] secret, long deadline)
      throws IOException, InterruptedException {
    int colon = address.lastIndexOf(':');
    InetSocketAddress target = new InetSocketAddress(address.substring(0, colon),
        Integer.parseInt(address.substring(colon + 1)));
    IOException last = null;
    while (System.nanoTime() < deadline) {
      Socket s = new Socket();
      try {
        long remainingMs = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
        s.connect(target, (int) Math.min(remainingMs, 5_000));
        s.setSoTimeout((int) Math.min(remainingMs, 10_000));
        handshakeConnect(s, rank, secret);
        s.setSoTimeout(0);
        return s;
      } catch (AuthException e) {
        s.close();
        throw new CollectiveException("rank " + rank + ": authentication with rank " + right + " (" + address
            + ") failed: " + e.getMessage());
      } catch (IOException e) {
        s.close();
        last = e;
        Thread.sleep(100);
      }
    }
    throw new CollectiveException("rank " + rank + ": cannot connect to rank " + right + " (" + address + "): "
        + (last == null ? "timed out" : last.getMessage()), last);
  }

  /** Authentication failed. */
  static final class AuthException extends IOException {
    AuthException(String message) {
      super(message);
    }
  }

  private static void handshakeConnect(Socket s, int rank, byte[] secret) throws IOException {
    DataOutputStream o = new DataOutputStream(s.getOutputStream());
    DataInputStream i = new DataInputStream(s.getInputStream());
    byte[] nonceC = nonce();
    o.writeInt(MAGIC);
    o.writeInt(rank);
    o.write(nonceC);
    o.flush();
    byte[] nonceA = i.readNBytes(NONCE);
    byte[] macA = i.readNBytes(32);
    if (nonceA.length != NONCE || macA.length != 32) {
      throw new EOFException("peer closed the connection during the handshake");
    }
    if (!MessageDigest.isEqual(macA, hmac(secret, 'A', nonceC, nonceA, rank))) {
      throw new AuthException("the listening peer does not know the run's secret");
    }
    o.write(hmac(secret, 'C', nonceA, nonceC, rank));
    o.flush();
    int verdict = i.read();
    if (verdict != 1) {
      throw new AuthException("the peer rejected this replica's credentials (wrong secret?)");
    }
  }

  private static int handshakeAccept(Socket s, byte[] secret) throws IOException {
    DataOutputStream o = new DataOutputStream(s.getOutputStream());
    DataInputStream i = new DataInputStream(s.getInputStream());
    if (i.readInt() != MAGIC) {
      throw new AuthException("not a sparkfast ring peer (bad magic)");
    }
    int peerRank = i.readInt();
    byte[] nonceC = i.readNBytes(NONCE);
    byte[] nonceA = nonce();
    o.write(nonceA);
    o.write(hmac(secret, 'A', nonceC, nonceA, peerRank));
    o.flush();
    byte[] macC = i.readNBytes(32);
    if (!MessageDigest.isEqual(macC, hmac(secret, 'C', nonceA, nonceC, peerRank))) {
      o.write(0);
      o.flush();
      throw new AuthException("wrong secret from a peer claiming rank " + peerRank);
    }
    o.write(1);
    o.flush();
    s.setSoTimeout(0);
    return peerRank;
  }

  private static byte[] nonce() {
    byte[] b = new byte[NONCE];
    new SecureRandom().nextBytes(b);
    return b;
  }

  private static byte[] hmac(byte[] secret, char role, byte[] first, byte[] second, int rank) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      mac.update((byte) role);
      mac.update(first);
      mac.update(second);
      mac.update(new byte[] {(byte) (rank >>> 24), (byte) (rank >>> 16), (byte) (rank >>> 8), (byte) rank});
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  // ------------------------------------------------------------------------------------------- operations

  @Override
  public int rank() {
    return rank;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public void allReduceMean(float[] data) {
    if (size == 1) {
      return;
    }
    long t0 = System.nanoTime();
    for (int off = 0; off < data.length; off += bucketFloats) {
      ringAllReduce(data, off, Math.min(bucketFloats, data.length - off));
    }
    float inv = 1f / size;
    for (int i = 0; i < data.length; i++) {
      data[i] *= inv;
    }
    nanos += System.nanoTime() - t0;
  }

  private void ringAllReduce(float[] data, int off, int len) {
    int n = size;
    float[] tmp = new float[len / n + 1];
    for (int s = 0; s < n - 1; s++) {
      int sendChunk = Math.floorMod(rank - s, n);
      int recvChunk = Math.floorMod(rank - s - 1, n);
      int rs = start(off, len, recvChunk);
      int rl = start(off, len, recvChunk + 1) - rs;
      exchange(data, start(off, len, sendChunk), start(off, len, sendChunk + 1) - start(off, len, sendChunk), tmp, rl);
      for (int i = 0; i < rl; i++) {
        data[rs + i] += tmp[i];
      }
    }
    int owned = Math.floorMod(rank + 1, n);
    if (wire == WireFormat.BF16) {
      // what the others will receive for this chunk: round it here too, so every replica holds the same values
      for (int i = start(off, len, owned); i < start(off, len, owned + 1); i++) {
        data[i] = WireFormat.fromBf16(WireFormat.toBf16(data[i]));
      }
    }
    for (int s = 0; s < n - 1; s++) {
      int sendChunk = Math.floorMod(rank - s + 1, n);
      int recvChunk = Math.floorMod(rank - s, n);
      int rs = start(off, len, recvChunk);
      int rl = start(off, len, recvChunk + 1) - rs;
      exchange(data, start(off, len, sendChunk), start(off, len, sendChunk + 1) - start(off, len, sendChunk), tmp, rl);
      System.arraycopy(tmp, 0, data, rs, rl);
    }
  }

  private int start(int off, int len, int chunk) {
    return off + (int) ((long) chunk * len / size);
  }

  /** Sends {@code data[from, from+count)} to the right while receiving {@code expect} values from the left. */
  private void exchange(float[] data, int from, int count, float[] into, int expect) {
    Future<?> sent = sender.submit(() -> {
      writeFloats(data, from, count, wire);
      return null;
    });
    readFloats(into, expect, wire);
    await(sent);
  }

  private void writeFloats(float[] data, int from, int count, WireFormat fmt) throws IOException {
    // Bulk encoding: one little-endian byte[] per message (DataOutputStream.writeFloat per value cost ~4x the time;
    // little-endian, the byte order of x86 and ARM, makes the float view a plain copy instead of a byte swap).
    int bytes = count * fmt.bytesPerValue();
    byte[] buf = sendScratch = grow(sendScratch, bytes);
    java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(buf, 0, bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    if (fmt == WireFormat.FP32) {
      bb.asFloatBuffer().put(data, from, count);
    } else {
      java.nio.ShortBuffer sb = bb.asShortBuffer();
      for (int i = 0; i < count; i++) {
        sb.put(i, WireFormat.toBf16(data[from + i]));
      }
    }
    out.writeInt(count);
    out.write(buf, 0, bytes);
    out.flush();
    bytesSent += 4 + (long) bytes;
  }

  private void readFloats(float[] into, int expect, WireFormat fmt) {
    try {
      int count = in.readInt();
      if (count != expect) {
        throw new CollectiveException("rank " + rank + ": left neighbour sent " + count + " values, expected " + expect
            + " (replicas called the collective with different array lengths)");
      }
      int bytes = count * fmt.bytesPerValue();
      byte[] buf = recvScratch = grow(recvScratch, bytes);
      in.readFully(buf, 0, bytes);
      java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(buf, 0, bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      if (fmt == WireFormat.FP32) {
        bb.asFloatBuffer().get(into, 0, count);
      } else {
        java.nio.ShortBuffer sb = bb.asShortBuffer();
        for (int i = 0; i < count; i++) {
          into[i] = WireFormat.fromBf16(sb.get(i));
        }
      }
    } catch (IOException e) {
      throw readFailure(e);
    }
  }

  private static byte[] grow(byte[] buf, int bytes) {
    return buf != null && buf.length >= bytes ? buf : new byte[Math.max(bytes, buf == null ? 0 : buf.length * 3 / 2)];
  }

  private CollectiveException readFailure(IOException e) {
    int left = Math.floorMod(rank - 1, size);
    String why = e instanceof SocketTimeoutException
        ? "sent nothing for " + Duration.ofNanos(readTimeoutNanos) + " (stalled or dead)"
        : e instanceof EOFException ? "closed the connection" : e.toString();
    close();
    return new CollectiveException("rank " + rank + ": left neighbour rank " + left + " (" + peers.get(left) + ") "
        + why, e);
  }

  private void await(Future<?> sent) {
    int right = Math.floorMod(rank + 1, size);
    try {
      sent.get(opTimeoutNanos, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      close();
      throw new CollectiveException("rank " + rank + ": right neighbour rank " + right + " (" + peers.get(right)
          + ") did not take data for " + Duration.ofNanos(opTimeoutNanos) + " (stalled or dead)", e);
    } catch (ExecutionException e) {
      close();
      throw new CollectiveException("rank " + rank + ": sending to rank " + right + " (" + peers.get(right)
          + ") failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new CollectiveException("interrupted", e);
    }
  }

  @Override
  public void allReduceSum(double[] data) {
    if (size == 1) {
      return;
    }
    long t0 = System.nanoTime();
    double[] msg = data.clone();
    double[] acc = data.clone();
    for (int s = 0; s < size - 1; s++) {
      double[] send = msg;
      Future<?> sent = sender.submit(() -> {
        out.writeInt(send.length);
        for (double v : send) {
          out.writeDouble(v);
        }
        out.flush();
        bytesSent += 4 + 8L * send.length;
        return null;
      });
      double[] got = new double[data.length];
      try {
        int count = in.readInt();
        if (count != data.length) {
          throw new CollectiveException("rank " + rank + ": left neighbour sent " + count + " values, expected "
              + data.length);
        }
        for (int i = 0; i < count; i++) {
          got[i] = in.readDouble();
        }
      } catch (IOException e) {
        throw readFailure(e);
      }
      await(sent);
      for (int i = 0; i < acc.length; i++) {
        acc[i] += got[i];
      }
      msg = got;
    }
    System.arraycopy(acc, 0, data, 0, data.length);
    nanos += System.nanoTime() - t0;
  }

  @Override
  public void broadcast(float[] data, int root) {
    if (size == 1) {
      return;
    }
    long t0 = System.nanoTime();
    int pos = Math.floorMod(rank - root, size);
    if (pos > 0) {
      float[] tmp = new float[data.length];
      readFloats(tmp, data.length, WireFormat.FP32); // broadcasts are exact whatever the wire format
      System.arraycopy(tmp, 0, data, 0, data.length);
    }
    if (pos < size - 1) {
      Future<?> sent = sender.submit(() -> {
        writeFloats(data, 0, data.length, WireFormat.FP32);
        return null;
      });
      await(sent);
    }
    nanos += System.nanoTime() - t0;
  }

  @Override
  public void barrier() {
    allReduceSum(new double[] {1});
  }

  @Override
  public void barrier(Duration timeout) {
    if (size == 1) {
      return;
    }
    setReadTimeout(timeout.toNanos());
    try {
      allReduceSum(new double[] {1});
    } finally {
      if (!closed) {
        setReadTimeout(opTimeoutNanos);
      }
    }
  }

  private void setReadTimeout(long nanos) {
    try {
      fromLeft.setSoTimeout(soTimeout(Duration.ofNanos(nanos)));
      readTimeoutNanos = nanos;
    } catch (java.net.SocketException e) {
      close();
      throw new CollectiveException("rank " + rank + ": cannot set the receive timeout: " + e.getMessage(), e);
    }
  }

  /** A socket timeout in milliseconds for {@code d}: at least 1 (0 would wait forever), at most Integer.MAX_VALUE. */
  private static int soTimeout(Duration d) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
  }

  @Override
  public long bytesSent() {
    return bytesSent;
  }

  @Override
  public long nanosInCollectives() {
    return nanos;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (sender != null) {
      sender.shutdownNow();
    }
    for (Socket s : new Socket[] {toRight, fromLeft}) {
      if (s != null) {
        try {
          s.close();
        } catch (IOException e) {
          logger.debug("closing socket", e);
        }
      }
    }
    if (server != null) {
      server.close();
    }
  }
}
