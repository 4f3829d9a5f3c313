# Bug: self.net is an nn.ModuleList run by a loop: it cannot be called or sliced as an nn.Sequential.
class LeNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.net = nn.ModuleList([nn.Conv2d(1, 6, 5, padding=2), nn.Sigmoid(), nn.AvgPool2d(2, 2),
                                  nn.Conv2d(6, 16, 5), nn.Sigmoid(), nn.AvgPool2d(2, 2), nn.Flatten(),
                                  nn.Linear(400, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(),
                                  nn.Linear(84, num_classes)])

    def forward(self, X):
        for layer in self.net:
            X = layer(X)
        return X
