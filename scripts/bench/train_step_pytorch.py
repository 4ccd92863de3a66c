"""PyTorch eager side of scripts/bench/train_step_vs_pytorch: the same network as sparkfast's (torchvision's
ResNet-18/34 layout, written out in torch_nets.py so only Debian's python3-torch is needed, + fastai's head), AdamW,
cross-entropy, random images; prints ms per training step as JSON."""
import json, sys, time
import torch
import torch.nn as nn

from torch_nets import BasicBlock, fastai_head


def resnet_body(units):
    layers = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True),
              nn.MaxPool2d(3, 2, 1)]
    cin = 64
    for stage, (n, c) in enumerate(zip(units, (64, 128, 256, 512))):
        blocks = [BasicBlock(cin, c, 1 if stage == 0 else 2)] + [BasicBlock(c, c, 1) for _ in range(n - 1)]
        layers.append(nn.Sequential(*blocks))
        cin = c
    return nn.Sequential(*layers)

arch, size, batch, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
threads = int(sys.argv[5]) if len(sys.argv) > 5 else torch.get_num_threads()
torch.set_num_threads(threads)
torch.manual_seed(1)
body = resnet_body({"resnet18": (2, 2, 2, 2), "resnet34": (3, 4, 6, 3)}[arch])
nf = 512

head = fastai_head(nf, 10)
model = nn.Sequential(body, head).train()
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
loss_fn = nn.CrossEntropyLoss()
warmup = 3
x = torch.randn(batch * (steps + warmup), 3, size, size)
y = torch.randint(0, 10, (batch * (steps + warmup),))
total = 0.0
for i in range(steps + warmup):
    xb, yb = x[i * batch:(i + 1) * batch], y[i * batch:(i + 1) * batch]
    t0 = time.perf_counter()
    opt.zero_grad()
    loss = loss_fn(model(xb), yb)
    loss.backward()
    opt.step()
    if i >= warmup:
        total += time.perf_counter() - t0
print(json.dumps({"side": "pytorch", "torch": torch.__version__, "arch": arch, "size": size, "batch": batch,
                  "steps": steps, "ms_per_step": 1000 * total / steps, "threads": threads}))
