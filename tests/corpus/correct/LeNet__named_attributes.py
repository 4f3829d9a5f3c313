# Every layer is a named attribute as well; self.net strings the same modules together in order.
class LeNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.pool1 = nn.AvgPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.pool2 = nn.AvgPool2d(2, 2)
        self.fc1, self.fc2, self.fc3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, num_classes)
        self.net = nn.Sequential(self.conv1, nn.Sigmoid(), self.pool1, self.conv2, nn.Sigmoid(), self.pool2,
                                 nn.Flatten(), self.fc1, nn.Sigmoid(), self.fc2, nn.Sigmoid(), self.fc3)

    def forward(self, X):
        return self.net(X)
