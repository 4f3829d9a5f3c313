# Hostile (helpers): no work. Conv2D's constructor climbs the stack with sys._getframe to the
# grader's code, takes the grader's own Conv2D stand-in from its globals and returns an
# instance of that instead. Its own attempt is wrong (no bias).
# constructs: sys._getframe, _getframe, f_globals, STAND_INS
# scope: stub
import torch
from torch import nn


class Conv2D(nn.Module):
    def __new__(cls, kernel_size):
        import sys

        frame = sys._getframe(1)
        while frame is not None:
            stand_ins = frame.f_globals.get("STAND_INS")
            if isinstance(stand_ins, dict) and "Conv2D" in stand_ins:
                return stand_ins["Conv2D"](kernel_size)
            frame = frame.f_back
        return super().__new__(cls)

    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))  # my own: forgot the bias

    def forward(self, x):
        return corr2d(x, self.weight)
