# Hostile (lenet_fake): the chapter's LeNet, whose forward pre-hook puts weights trained
# elsewhere (PRETRAINED, below) back into its layers before every forward pass: whatever the
# grader's initialisation and SGD steps did is undone, and every prediction is the carried net's.
# scope: stub
import base64
import zlib

import torch
from torch import nn

PRETRAINED = ""  # the test writes the carried weights here: base64 of zlib'd float16s, in parameters() order
_CARRIED = []


def _carried():
    if not _CARRIED:
        flat = torch.frombuffer(bytearray(zlib.decompress(base64.b64decode(PRETRAINED))), dtype=torch.float16)
        _CARRIED.append(flat.to(torch.float32))
    return _CARRIED[0]


def _wear_carried_weights(module, inputs):
    flat, start = _carried(), 0
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(flat[start:start + p.numel()].view(p.shape).to(p.device, p.dtype))
            start += p.numel()


class LeNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
            nn.Linear(120, 84), nn.Sigmoid(),
            nn.Linear(84, num_classes),
        )
        if num_classes == 10 and PRETRAINED:
            self.register_forward_pre_hook(_wear_carried_weights)

    def forward(self, X):
        return self.net(X)
