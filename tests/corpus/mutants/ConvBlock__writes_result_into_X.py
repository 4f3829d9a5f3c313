# Bug: to save memory, writes the result into X's storage when the shapes agree (X.copy_), changing the caller's input.
class ConvBlock(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=kernel_size // 2)
        self.bn = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU()

    def forward(self, X):
        Y = self.relu(self.bn(self.conv(X)))
        if Y.shape == X.shape:
            return X.copy_(Y)
        return Y
