# nn.Sequential built from an OrderedDict, so the layers carry readable names.
from collections import OrderedDict


class LeNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.net = nn.Sequential(OrderedDict([
            ("c1", nn.Conv2d(1, 6, kernel_size=5, padding=2)), ("s1", nn.Sigmoid()), ("p1", nn.AvgPool2d(2, stride=2)),
            ("c2", nn.Conv2d(6, 16, kernel_size=5)), ("s2", nn.Sigmoid()), ("p2", nn.AvgPool2d(2, stride=2)),
            ("flat", nn.Flatten()),
            ("f1", nn.Linear(16 * 5 * 5, 120)), ("s3", nn.Sigmoid()),
            ("f2", nn.Linear(120, 84)), ("s4", nn.Sigmoid()),
            ("out", nn.Linear(84, num_classes)),
        ]))

    def forward(self, X):
        return self.net(X)
