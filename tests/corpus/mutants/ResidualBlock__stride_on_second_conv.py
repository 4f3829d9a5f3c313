# Bug: the stride sits on the second 3x3 convolution instead of the first (same output shape, other values).
class ResidualBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.block1 = ConvBlock(in_channels, out_channels, kernel_size=3, stride=1)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, stride=stride, padding=1)
        self.bn2 = nn.BatchNorm2d(out_channels)
        if in_channels != out_channels or stride != 1:
            self.shortcut = nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride)
        else:
            self.shortcut = nn.Identity()

    def forward(self, X):
        Y = self.bn2(self.conv2(self.block1(X)))
        return F.relu(Y + self.shortcut(X))
