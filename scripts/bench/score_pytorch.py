#!/usr/bin/env python3
"""Benchmark baseline: PyTorch eager inference (Debian python3-torch, PIL decoding) of a TorchScript classifier
over the files listed in FILE_LIST, in batches, with the same preprocessing as the JVM sides (resize to SIZE x SIZE
bilinear, RGB, ImageNet normalization, softmax).

    python3 scripts/bench/score_pytorch.py MODEL.pt FILE_LIST SIZE BATCH THREADS

Prints one JSON line: images, seconds (decode + inference, after one warm-up batch), images_per_second.
"""
import json
import sys
import time

import numpy as np
import torch
from PIL import Image

MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32).reshape(3, 1, 1)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32).reshape(3, 1, 1)


def load(path, size):
    img = Image.open(path).convert("RGB").resize((size, size), Image.BILINEAR)
    x = np.asarray(img, dtype=np.float32).transpose(2, 0, 1) / 255.0
    return (x - MEAN) / STD


def run(model, files, size, batch):
    n = 0
    for start in range(0, len(files), batch):
        x = torch.from_numpy(np.stack([load(p, size) for p in files[start:start + batch]]))
        with torch.no_grad():
            probs = torch.softmax(model(x), 1)
        n += probs.shape[0]
    return n


def main(model_path, file_list, size, batch, threads):
    torch.set_num_threads(threads)
    model = torch.jit.load(model_path).eval()
    files = [l.strip() for l in open(file_list) if l.strip()]
    run(model, files[:batch], size, batch)  # warm-up
    t0 = time.perf_counter()
    n = run(model, files, size, batch)
    s = time.perf_counter() - t0
    print(json.dumps({"images": n, "seconds": round(s, 3), "images_per_second": round(n / s, 2),
                      "threads": torch.get_num_threads(), "torch": torch.__version__}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
