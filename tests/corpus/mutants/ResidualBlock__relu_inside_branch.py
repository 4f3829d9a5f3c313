# Bug: the branch ends in conv -> BN -> ReLU (a second ConvBlock), so it is ReLU'd before the addition.
class ResidualBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.block1 = ConvBlock(in_channels, out_channels, kernel_size=3, stride=stride)
        self.block2 = ConvBlock(out_channels, out_channels, kernel_size=3)
        if in_channels != out_channels or stride != 1:
            self.shortcut = nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride)
        else:
            self.shortcut = nn.Identity()

    def forward(self, X):
        return F.relu(self.block2(self.block1(X)) + self.shortcut(X))
