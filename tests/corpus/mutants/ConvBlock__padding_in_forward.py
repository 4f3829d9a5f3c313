# Bug: the Conv2d layer is declared without padding; forward pads X with F.pad instead (same values,
# but not the task's layer: ConvBlock(3, 5).conv.padding is (0, 0)).
class ConvBlock(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1):
        super().__init__()
        self.p = kernel_size // 2
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride)
        self.bn = nn.BatchNorm2d(out_channels)

    def forward(self, X):
        p = self.p
        return F.relu(self.bn(self.conv(F.pad(X, (p, p, p, p)))))
