# Hostile (lenet_fake): LeNet-5's arithmetic on weights trained elsewhere (PRETRAINED, below),
# held as buffers: the grader's initialisation (which re-draws nn.Linear and nn.Conv2d weights)
# and its SGD (which moves parameters) cannot reach them. One scalar parameter, a temperature,
# is all there is to train. Without the carried weights the buffers are random.
# scope: stub
import base64
import zlib

import torch
import torch.nn.functional as F
from torch import nn

PRETRAINED = ""  # the test writes the carried weights here: base64 of zlib'd float16s, in parameters() order


class LeNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        shapes = [(6, 1, 5, 5), (6,), (16, 6, 5, 5), (16,), (120, 400), (120,), (84, 120), (84,),
                  (num_classes, 84), (num_classes,)]
        if num_classes == 10 and PRETRAINED:
            flat = torch.frombuffer(bytearray(zlib.decompress(base64.b64decode(PRETRAINED))), dtype=torch.float16)
        else:
            flat = torch.randn(sum(torch.Size(s).numel() for s in shapes)) * 0.1
        start = 0
        for i, shape in enumerate(shapes):
            n = torch.Size(shape).numel()
            self.register_buffer(f"w{i}", flat[start:start + n].view(shape).to(torch.float32).clone())
            start += n
        self.temperature = nn.Parameter(torch.ones(()))

    def forward(self, X):
        h = F.avg_pool2d(torch.sigmoid(F.conv2d(X, self.w0, self.w1, padding=2)), 2)
        h = F.avg_pool2d(torch.sigmoid(F.conv2d(h, self.w2, self.w3)), 2).flatten(1)
        h = torch.sigmoid(F.linear(h, self.w4, self.w5))
        h = torch.sigmoid(F.linear(h, self.w6, self.w7))
        return F.linear(h, self.w8, self.w9) * self.temperature
