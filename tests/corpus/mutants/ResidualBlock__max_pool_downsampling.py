# Bug: the main path downsamples with a 2x2 max pool after a stride-1 ConvBlock instead of a strided convolution.
class ResidualBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.stride = stride
        self.block1 = ConvBlock(in_channels, out_channels, kernel_size=3, stride=1)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1)
        self.bn2 = nn.BatchNorm2d(out_channels)
        if in_channels != out_channels or stride != 1:
            self.shortcut = nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride)
        else:
            self.shortcut = nn.Identity()

    def forward(self, X):
        Y = self.block1(X)
        if self.stride > 1:
            Y = F.max_pool2d(Y, kernel_size=self.stride, stride=self.stride, ceil_mode=True)
        Y = self.bn2(self.conv2(Y))
        return F.relu(Y + self.shortcut(X))
