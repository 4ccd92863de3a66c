#!/usr/bin/env python3
"""The forward pass alone in PyTorch eager (Debian python3-torch) on a random batch, softmax included: the
counterpart of ForwardLayout.java.

    python3 scripts/bench/forward_pytorch.py MODEL.pt BATCH SIZE ITERATIONS THREADS

Prints one JSON line: layout, batch, ms_per_batch, images_per_second (two rounds of ITERATIONS batches after a
warm-up round).
"""
import json
import sys
import time

import torch


def main(model_path, batch, size, iterations, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = torch.jit.load(model_path).eval()
    x = torch.randn(batch, 3, size, size)
    with torch.no_grad():
        for _ in range(iterations):  # a warm-up round, as on the JVM side
            torch.softmax(model(x), 1).numpy()
        t0 = time.perf_counter()
        for _ in range(2 * iterations):
            torch.softmax(model(x), 1).numpy()
        ms = (time.perf_counter() - t0) * 1000 / (2 * iterations)
    print(json.dumps({"layout": "pytorch", "batch": batch, "ms_per_batch": round(ms, 1),
                      "images_per_second": round(batch * 1000 / ms, 1), "torch": torch.__version__}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
