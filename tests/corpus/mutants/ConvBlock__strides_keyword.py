# Bug: d2l's spelling, strides=1, instead of the task's stride=1: ConvBlock(3, 4, stride=2) raises TypeError.
class ConvBlock(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size=3, strides=1):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=strides, padding=kernel_size // 2)
        self.bn = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU()

    def forward(self, X):
        return self.relu(self.bn(self.conv(X)))
