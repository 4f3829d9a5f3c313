# Bug: d2l's spelling, strides=1, instead of the task's stride=1: ResidualBlock(3, 8, stride=2) raises TypeError.
class ResidualBlock(nn.Module):
    def __init__(self, in_channels, out_channels, strides=1):
        super().__init__()
        self.block1 = ConvBlock(in_channels, out_channels, kernel_size=3, stride=strides)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1)
        self.bn2 = nn.BatchNorm2d(out_channels)
        if in_channels != out_channels or strides != 1:
            self.shortcut = nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=strides)
        else:
            self.shortcut = nn.Identity()

    def forward(self, X):
        Y = self.bn2(self.conv2(self.block1(X)))
        return F.relu(Y + self.shortcut(X))
