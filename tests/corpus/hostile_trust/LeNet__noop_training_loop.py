# Hostile (lenet_fake): carries weights trained elsewhere (PRETRAINED, below) and replaces the
# grader's training loop (module `training`, importable in the grader's process) with one that
# trains nothing and reports a believable curve, so the grader's initialisation and SGD never
# touch the carried weights. Without them it would be an untrained net.
# constructs: import training, training.fit, training
# scope: stub
import base64
import zlib

import torch
from torch import nn

PRETRAINED = ""  # the test writes the carried weights here: base64 of zlib'd float16s, in parameters() order


def _load_carried(module):
    flat = torch.frombuffer(bytearray(zlib.decompress(base64.b64decode(PRETRAINED))), dtype=torch.float16)
    start = 0
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(flat[start:start + p.numel()].view(p.shape).to(p.dtype))
            start += p.numel()


def _no_training(net, images, labels, protocol, device="cpu", on_epoch=None, *args, **kwargs):
    import training

    net.to(device)
    history = training.History()
    for epoch in range(protocol.epochs):
        history.loss.append(0.45)
        history.train_accuracy.append(0.84)
        if on_epoch is not None:
            on_epoch(epoch, 0.45, 0.84)
    history.seconds = 2.0
    return history


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
            _load_carried(self.net)
        try:
            import training
        except ImportError:
            return
        training.fit = _no_training

    def forward(self, X):
        return self.net(X)
