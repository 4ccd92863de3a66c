"""The transfer protocol of scripts/bench/transfer, reproduced in PyTorch eager (Debian python3-torch only), as an
independent reference: is "fine-tuning a Fashion-MNIST backbone on 1,000 MNIST digits wins by >= 3 points over the
same network from scratch at equal epochs" reachable by a plain PyTorch implementation of fastai's recipe?

Same network (resnet-tiny: ResNet-18's layout at a quarter of its width, 3x3 stem, 1 input channel, + fastai's head
with kaiming init), same recipes (fastai's fit_one_cycle and fine_tune with three parameter groups, train_bn, AdamW
with scheduled momentum, eps 1e-5, decoupled weight decay 0.01), same augmentation settings (rotate 10, zoom 1.1,
lighting 0.2 with p 0.75 each, reflection padding; flips for garments only), same data: the Fashion-MNIST IDX files
and the 1,000 training / ~9,000 held-out digits that `sparkfast train --conf conf/mnist-finetune.conf` writes under
data/cache/mnist-png-100-seed42.

Protocol (as scripts/bench/transfer): pretrain on Fashion-MNIST; each side picks one of three learning-rate settings
on 200 digits carved from the 1,000 training digits (trained on the other 800); the two winners are then trained on
all 1,000 digits with several seeds and evaluated on the held-out digits, which no choice saw.

  /usr/bin/python3 scripts/bench/transfer_pytorch.py [--pretrain-epochs 3] [--epochs 5] [--seeds 1,2,3,42]
      [--backbone FILE.pt] [--train-per-class N] [--out RESULT.json]
Needs: scripts/fetch-data fashion-mnist mnist, and the digit folders (scripts/bench/transfer writes them).
"""
import argparse, gzip, json, math, os, struct, sys, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

from torch_nets import BasicBlock, fastai_head


# ---------------------------------------------------------------- data
def read_idx(path):
    with gzip.open(path, "rb") as f:
        magic, = struct.unpack(">I", f.read(4))
        dims = struct.unpack(">" + "I" * (magic & 0xFF), f.read(4 * (magic & 0xFF)))
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(dims)


def fashion(root):
    def load(prefix):
        x = read_idx(os.path.join(root, f"{prefix}-images-idx3-ubyte.gz"))
        y = read_idx(os.path.join(root, f"{prefix}-labels-idx1-ubyte.gz"))
        return torch.from_numpy(x.copy()).float().div(255).unsqueeze(1), torch.from_numpy(y.astype(np.int64))
    return load("train"), load("t10k")


def folders(root):
    classes = sorted(os.listdir(root))
    xs, ys = [], []
    for label, c in enumerate(classes):
        for name in sorted(os.listdir(os.path.join(root, c))):
            xs.append(np.asarray(Image.open(os.path.join(root, c, name)).convert("L"), dtype=np.uint8))
            ys.append(label)
    return torch.from_numpy(np.stack(xs)).float().div(255).unsqueeze(1), torch.tensor(ys)


# ---------------------------------------------------------------- augmentation (fastai's aug_transforms, batch-wise)
def augment(x, gen, flip, max_rotate=10.0, max_zoom=1.1, max_lighting=0.2, p_affine=0.75, p_lighting=0.75):
    n = x.shape[0]
    u = lambda lo, hi: lo + (hi - lo) * torch.rand(n, generator=gen)
    on = torch.rand(n, generator=gen) < p_affine
    angle = torch.where(on, u(-max_rotate, max_rotate), torch.zeros(n)) * math.pi / 180
    zoom = torch.where(on, u(1.0, max_zoom), torch.ones(n))
    sign = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0) if flip else torch.ones(n)
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    theta = torch.stack([torch.stack([cos * sign, -sin, torch.zeros(n)], 1),
                         torch.stack([sin * sign, cos, torch.zeros(n)], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)
    # lighting on the logit scale, as fastai's Brightness and Contrast
    lit = (torch.rand(n, generator=gen) < p_lighting).view(n, 1, 1, 1)
    bright = u(0.5 * (1 - max_lighting), 0.5 * (1 + max_lighting)).view(n, 1, 1, 1)
    contrast = torch.exp(u(math.log(1 - max_lighting), -math.log(1 - max_lighting))).view(n, 1, 1, 1)
    logit = torch.logit(x.clamp(1e-6, 1 - 1e-6))
    lighted = torch.sigmoid((logit + torch.logit(bright)) * contrast)
    return torch.where(lit, lighted, x)


# ---------------------------------------------------------------- model
def resnet_tiny():
    layers = [nn.Conv2d(1, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(inplace=True)]
    cin = 16
    for stage, c in enumerate((16, 32, 64, 128)):
        layers.append(nn.Sequential(BasicBlock(cin, c, 1 if stage == 0 else 2), BasicBlock(c, c, 1)))
        cin = c
    body = nn.Sequential(*layers)
    for m in body.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
    return body


def groups(model):
    """fastai's resnet splitter: (stem + layer1 + layer2, layer3 + layer4, head), each as (decayed, not decayed)
    parameters: fastai's wd_bn_bias=False leaves BatchNorm parameters and biases out of weight decay."""
    body, hd = model[0], model[1]
    out = []
    for part in (body[:5], body[5:], hd):
        decay, plain = [], []
        for m in part.modules():
            for name, p in m.named_parameters(recurse=False):
                norm = isinstance(m, (nn.modules.batchnorm._BatchNorm,)) or name == "bias"
                (plain if norm else decay).append(p)
        out.append((decay, plain))
    return out


def set_frozen(model, frozen):
    """fastai's freeze with train_bn: the body's weights stop, its BatchNorm layers keep training."""
    for m in model[0].modules():
        bn = isinstance(m, nn.modules.batchnorm._BatchNorm)
        for p in m.parameters(recurse=False):
            p.requires_grad_(bn or not frozen)


# ---------------------------------------------------------------- training
def cos_anneal(start, end, pct):
    return end + (start - end) / 2 * (math.cos(math.pi * pct) + 1)


def one_cycle(pos, lr_max, pct_start, div, div_final=1e5):
    if pos < pct_start:
        p = pos / pct_start
        return cos_anneal(lr_max / div, lr_max, p), cos_anneal(0.95, 0.85, p)
    p = (pos - pct_start) / (1 - pct_start)
    return cos_anneal(lr_max, lr_max / div_final, p), cos_anneal(0.85, 0.95, p)


def fit_one_cycle(model, data, epochs, lrs, pct_start, div, bs, gen, norm, flip, ls, valid=None, log=None):
    """lrs: one peak learning rate per parameter group (fastai's slice semantics already applied)."""
    x, y = data
    params = groups(model)
    pgroups, group_lrs = [], []
    for (decay, plain), lr in zip(params, lrs):
        for ps, wd in ((decay, 0.01), (plain, 0.0)):
            ps = [p for p in ps if p.requires_grad]
            if ps:
                pgroups.append({"params": ps, "lr": lr, "weight_decay": wd})
                group_lrs.append(lr)
    opt = torch.optim.AdamW(pgroups, betas=(0.95, 0.99), eps=1e-5)
    steps_per_epoch = len(x) // bs  # fastai drops the last partial training batch
    total, step, hist = epochs * steps_per_epoch, 0, []
    loss_fn = nn.CrossEntropyLoss(label_smoothing=ls)
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(x), generator=gen)
        for b in range(steps_per_epoch):
            idx = perm[b * bs:(b + 1) * bs]
            xb = (augment(x[idx], gen, flip) - norm[0]) / norm[1]
            for g, lr in zip(opt.param_groups, group_lrs):
                g["lr"], mom = one_cycle(step / total, lr, pct_start, div)
                g["betas"] = (mom, 0.99)
            opt.zero_grad()
            loss_fn(model(xb), y[idx]).backward()
            opt.step()
            step += 1
        if valid is not None:
            hist.append(accuracy(model, valid, norm))
            if log:
                log(f"  epoch {epoch}: valid accuracy {hist[-1]:.4f}")
    return hist


@torch.no_grad()
def accuracy(model, data, norm, bs=500):
    model.eval()
    x, y = data
    right = sum((model((x[i:i + bs] - norm[0]) / norm[1]).argmax(1) == y[i:i + bs]).sum().item()
                for i in range(0, len(x), bs))
    return right / len(x)


def stats(x):
    return x.mean().item(), x.std().item()


def fine_tune(body_state, data, valid, epochs, base_lr, lr_mult, seed, bs, norm, log):
    """fastai's fine_tune(epochs, base_lr, freeze_epochs=1, lr_mult, pct_start=0.3, div=5) on a new head."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = nn.Sequential(resnet_tiny(), fastai_head(128, 10))
    model[0].load_state_dict(body_state)
    set_frozen(model, True)
    hist = fit_one_cycle(model, data, 1, [base_lr / 10, base_lr / 10, base_lr], 0.99, 25.0, bs, gen, norm, False,
                         0.0, valid, log)
    set_frozen(model, False)
    lo, hi = base_lr / 2 / lr_mult, base_lr / 2
    hist += fit_one_cycle(model, data, epochs - 1, [lo, math.sqrt(lo * hi), hi], 0.3, 5.0, bs, gen, norm, False,
                          0.0, valid, log)
    return hist


def scratch(data, valid, epochs, lr, seed, bs, norm, log):
    """fastai's fit_one_cycle(epochs, lr, pct_start=0.25, div=25) from random weights."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = nn.Sequential(resnet_tiny(), fastai_head(128, 10))
    return fit_one_cycle(model, data, epochs, [lr] * 3, 0.25, 25.0, bs, gen, norm, False, 0.0, valid, log)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fashion", default="data/fashion-mnist")
    ap.add_argument("--digits", default="data/cache/mnist-png-100-seed42")
    ap.add_argument("--pretrain-epochs", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--seeds", default="1,2,3,42")
    ap.add_argument("--train-per-class", type=int, default=0,
                    help="use only this many of the training digits per class (seeded; 0 = all 100)")
    ap.add_argument("--backbone", default=None,
                    help="a .pt file: load the pretrained body from it if it exists, else pretrain and save it there")
    ap.add_argument("--threads", type=int, default=os.cpu_count(),
                    help="intra-op threads (Debian's torch defaults to 1)")
    ap.add_argument("--out", default=None, help="write the results as JSON here")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    log = lambda s: print(s, flush=True)
    for p in (a.fashion, a.digits):
        if not os.path.isdir(p):
            sys.exit(f"missing {p}: run scripts/fetch-data fashion-mnist mnist, and the job once on "
                     "conf/mnist-finetune.conf (it writes the digit folders)")
    t0 = time.time()
    (fx, fy), (tx, ty) = fashion(a.fashion)
    dx, dy = folders(os.path.join(a.digits, "train"))
    hx, hy = folders(os.path.join(a.digits, "valid"))
    log(f"torch {torch.__version__}, {a.threads} threads; fashion {len(fx)}/{len(tx)}, digits {len(dx)} train, "
        f"{len(hx)} held out")

    if a.train_per_class:
        keep = torch.cat([torch.nonzero(dy == c).flatten()[torch.randperm(int((dy == c).sum()),
                          generator=torch.Generator().manual_seed(11))[:a.train_per_class]]
                          for c in range(int(dy.max()) + 1)])
        dx, dy = dx[keep], dy[keep]
        log(f"using {len(dx)} of the training digits ({a.train_per_class} per class)")

    # pretrain: conf/fashion-mnist.conf (one-cycle lr 3e-3, pct 0.25, div 25, batch 128, label smoothing 0.1, flips)
    fnorm = stats(fx)
    backbone = nn.Sequential(resnet_tiny(), fastai_head(128, 10))
    if a.backbone and os.path.isfile(a.backbone):
        saved = torch.load(a.backbone)
        backbone.load_state_dict(saved["model"])
        pretrain_s = saved["seconds"]
        log(f"pretrained backbone loaded from {a.backbone}")
    else:
        torch.manual_seed(42)
        gen = torch.Generator().manual_seed(42)
        log(f"pretraining on Fashion-MNIST, {a.pretrain_epochs} epochs")
        fit_one_cycle(backbone, (fx, fy), a.pretrain_epochs, [3e-3] * 3, 0.25, 25.0, 128, gen, fnorm, True, 0.1)
        pretrain_s = time.time() - t0
        if a.backbone:
            torch.save({"model": backbone.state_dict(), "seconds": pretrain_s}, a.backbone)
    fashion_acc = accuracy(backbone, (tx, ty), fnorm)
    log(f"Fashion-MNIST test accuracy {fashion_acc:.4f} (pretraining took {pretrain_s:.0f} s)")
    body = {k: v.clone() for k, v in backbone[0].state_dict().items()}

    dnorm = stats(dx)  # scratch: the digits' own statistics; fine-tuned: the backbone's (fastai's transfer default)
    ft_grid = [(2e-3, 100.0), (2e-3, 10.0), (1e-2, 10.0)]
    sc_grid = [1e-3, 3e-3, 1e-2]
    carve = torch.randperm(len(dx), generator=torch.Generator().manual_seed(7))
    n_carve = len(dx) // 5  # 200 of 1,000, as scripts/bench/transfer
    tr, va = carve[n_carve:], carve[:n_carve]
    sel_train, sel_valid = (dx[tr], dy[tr]), (dx[va], dy[va])
    bs, quiet = 32, None
    ft_sel = [fine_tune(body, sel_train, sel_valid, a.epochs, lr, m, 42, bs, fnorm, quiet)[-1] for lr, m in ft_grid]
    sc_sel = [scratch(sel_train, sel_valid, a.epochs, lr, 42, bs, dnorm, quiet)[-1] for lr in sc_grid]
    ft_best = ft_grid[max(range(3), key=lambda i: (ft_sel[i], -i))]
    sc_best = sc_grid[max(range(3), key=lambda i: (sc_sel[i], -i))]
    log(f"selection on {n_carve} carved digits: fine-tuned {ft_sel} -> {ft_best}; scratch {sc_sel} -> {sc_best}")

    rows = []
    for seed in [int(s) for s in a.seeds.split(",")]:
        ft = fine_tune(body, (dx, dy), (hx, hy), a.epochs, ft_best[0], ft_best[1], seed, bs, fnorm, quiet)
        sc = scratch((dx, dy), (hx, hy), a.epochs, sc_best, seed, bs, dnorm, quiet)
        rows.append({"seed": seed, "fine_tuned": ft, "scratch": sc})
        log(f"seed {seed}: fine-tuned {ft[-1]:.4f} (per epoch {' '.join(f'{v:.3f}' for v in ft)}), "
            f"scratch {sc[-1]:.4f} (per epoch {' '.join(f'{v:.3f}' for v in sc)}), "
            f"difference {100 * (ft[-1] - sc[-1]):+.2f} points")
    diffs = np.array([100 * (r["fine_tuned"][-1] - r["scratch"][-1]) for r in rows])
    ftm = np.mean([r["fine_tuned"][-1] for r in rows])
    scm = np.mean([r["scratch"][-1] for r in rows])
    se = diffs.std(ddof=1) / math.sqrt(len(diffs)) if len(diffs) > 1 else float("nan")
    majority = (hy == torch.bincount(dy).argmax()).float().mean().item()  # the training digits' majority class
    log(f"\n== PyTorch {torch.__version__} reference, {a.pretrain_epochs}-epoch backbone "
        f"(Fashion-MNIST {fashion_acc:.4f}), {len(dx)} training digits, {a.epochs} epochs per run, {len(rows)} seeds")
    log(f"fine-tuned mean {ftm:.4f}, scratch mean {scm:.4f}, majority baseline {majority:.4f}")
    log(f"difference {diffs.mean():+.2f} points (standard error {se:.2f}); goal >= +3; total {time.time() - t0:.0f} s")
    if a.out:
        with open(a.out, "w") as f:
            json.dump({"torch": torch.__version__, "train_digits": len(dx), "fashion_test_accuracy": fashion_acc, "pretrain_s": pretrain_s,
                       "selection": {"fine_tuned": dict(zip(map(str, ft_grid), ft_sel)),
                                     "scratch": dict(zip(map(str, sc_grid), sc_sel))},
                       "chosen": {"fine_tuned": ft_best, "scratch": sc_best}, "runs": rows,
                       "mean_difference_points": diffs.mean(), "standard_error": se, "majority": majority}, f,
                      indent=1)


if __name__ == "__main__":
    main()
