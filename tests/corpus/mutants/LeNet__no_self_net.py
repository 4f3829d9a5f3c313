# Bug: the right layers, but as separate attributes chained in forward: there is no self.net for
# layer_summary(LeNet().net, ...) and the notebook's later cells to use.
class LeNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.Sigmoid(), nn.AvgPool2d(2, 2),
                                      nn.Conv2d(6, 16, 5), nn.Sigmoid(), nn.AvgPool2d(2, 2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(400, 120), nn.Sigmoid(), nn.Linear(120, 84),
                                        nn.Sigmoid(), nn.Linear(84, num_classes))

    def forward(self, X):
        return self.classifier(self.features(X))
