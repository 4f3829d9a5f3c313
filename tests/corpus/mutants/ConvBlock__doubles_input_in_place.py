# Bug: scales the input in place (X.mul_) to "amplify" it; batch norm undoes the scale, but the caller's X is changed.
class ConvBlock(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=kernel_size // 2)
        self.bn = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU()

    def forward(self, X):
        X.mul_(2.0)
        return self.relu(self.bn(self.conv(X)))
