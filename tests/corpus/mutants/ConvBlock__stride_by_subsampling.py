# Bug: the Conv2d layer always has stride 1; forward keeps every stride-th row and column of its output
# instead (same values, but not the task's layer: its stride is (1, 1) whatever stride was asked for).
class ConvBlock(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1):
        super().__init__()
        self.s = stride
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2)
        self.bn = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU()

    def forward(self, X):
        Z = self.conv(X)[:, :, ::self.s, ::self.s]
        return self.relu(self.bn(Z))
