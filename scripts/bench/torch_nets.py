"""The network pieces the PyTorch sides of the benchmarks share (Debian python3-torch only, no torchvision):
torchvision's ResNet basic block and fastai's head, as sparkfast builds them."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None if stride == 1 and cin == cout else nn.Sequential(
            nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + (x if self.down is None else self.down(x)))


class ConcatPool(nn.Module):
    def forward(self, x):
        return torch.cat([F.adaptive_max_pool2d(x, 1), F.adaptive_avg_pool2d(x, 1)], 1)


def fastai_head(nf, n_out):
    """Concat pooling, BatchNorm, dropout 0.25, linear 512, ReLU, BatchNorm, dropout 0.5, linear n_out; kaiming init."""
    h = nn.Sequential(ConcatPool(), nn.Flatten(), nn.BatchNorm1d(2 * nf), nn.Dropout(0.25),
                      nn.Linear(2 * nf, 512, bias=False), nn.ReLU(inplace=True), nn.BatchNorm1d(512), nn.Dropout(0.5),
                      nn.Linear(512, n_out, bias=False))
    for m in h.modules():
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight)
    return h
