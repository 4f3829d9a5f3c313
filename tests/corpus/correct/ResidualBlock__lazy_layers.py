# d2l's Residual with lazy layers and its own ConvBlock-free main path; the projection is a LazyConv2d.
class ResidualBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.conv1 = nn.LazyConv2d(out_channels, kernel_size=3, padding=1, stride=stride)
        self.conv2 = nn.LazyConv2d(out_channels, kernel_size=3, padding=1)
        self.bn1 = nn.LazyBatchNorm2d()
        self.bn2 = nn.LazyBatchNorm2d()
        self.conv3 = None
        if in_channels != out_channels or stride != 1:
            self.conv3 = nn.LazyConv2d(out_channels, kernel_size=1, stride=stride)

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3 is not None:
            X = self.conv3(X)
        return F.relu(Y + X)
