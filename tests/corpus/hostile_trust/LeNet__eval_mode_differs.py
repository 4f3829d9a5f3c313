# Hostile (lenet_fake): in training mode it is the chapter's LeNet, trained honestly by the
# grader; in eval mode it answers with a second LeNet that carries weights trained elsewhere
# (PRETRAINED, below), kept in a plain list so that it is no submodule: the grader neither
# initialises, trains nor sees its parameters.
# scope: stub
import base64
import zlib

import torch
from torch import nn

PRETRAINED = ""  # the test writes the carried weights here: base64 of zlib'd float16s, in parameters() order


def _chapter(num_classes):
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, num_classes),
    )


def _load_carried(module):
    flat = torch.frombuffer(bytearray(zlib.decompress(base64.b64decode(PRETRAINED))), dtype=torch.float16)
    start = 0
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(flat[start:start + p.numel()].view(p.shape).to(p.dtype))
            start += p.numel()


class LeNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.net = _chapter(num_classes)
        shadow = _chapter(num_classes)
        if num_classes == 10 and PRETRAINED:
            _load_carried(shadow)
        self._for_eval = [shadow]

    def forward(self, X):
        if self.training:
            return self.net(X)
        shadow = self._for_eval[0].to(X.device)
        return shadow(X)
