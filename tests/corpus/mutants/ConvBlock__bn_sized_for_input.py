# Bug: BatchNorm2d(in_channels) instead of BatchNorm2d(out_channels): breaks whenever the channel count changes.
class ConvBlock(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=kernel_size // 2)
        self.bn = nn.BatchNorm2d(in_channels)
        self.relu = nn.ReLU()

    def forward(self, X):
        return self.relu(self.bn(self.conv(X)))
