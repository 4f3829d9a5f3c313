# Bug: the kernel-size parameter is called k, so ConvBlock(3, 4, kernel_size=5) raises TypeError.
class ConvBlock(nn.Module):
    def __init__(self, in_channels, out_channels, k=3, stride=1):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, k, stride=stride, padding=k // 2)
        self.bn = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU()

    def forward(self, X):
        return self.relu(self.bn(self.conv(X)))
