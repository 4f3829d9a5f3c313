# Hostile (lenet_fake): in eval mode it answers from a table of the public Fashion-MNIST test
# labels, keyed by a hash of each image's pixels (ANSWERS, below); unknown images get no answer.
# In training mode it only has to run: the output is the last layer's bias, so the grader's
# training learns nothing but the class frequencies.
# scope: stub
import base64
import hashlib
import zlib

import torch
from torch import nn

ANSWERS = ""  # the test writes the table here: base64 of zlib'd (4-byte blake2b of the pixels, label) records
_TABLE = {}


def _answers():
    if not _TABLE and ANSWERS:
        raw = zlib.decompress(base64.b64decode(ANSWERS))
        _TABLE.update({raw[i:i + 4]: raw[i + 4] for i in range(0, len(raw), 5)})
    return _TABLE


class LeNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.num_classes = num_classes
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

    def forward(self, X):
        if self.training:
            return self.net[-1](torch.zeros(X.shape[0], 84, device=X.device))
        table = _answers()
        pixels = (X[:, 0] * 255).round().clamp(0, 255).to(torch.uint8).cpu().numpy()
        out = torch.zeros(X.shape[0], self.num_classes, device=X.device)
        for i, image in enumerate(pixels):
            label = table.get(hashlib.blake2b(image.tobytes(), digest_size=4).digest())
            if label is not None and label < self.num_classes:
                out[i, label] = 1.0
        return out
