# Layers with parameters as attributes, the ReLU applied functionally in forward.
class ConvBlock(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size=kernel_size, stride=stride,
                              padding=(kernel_size // 2, kernel_size // 2))
        self.norm = nn.BatchNorm2d(out_channels)

    def forward(self, X):
        return torch.relu(self.norm(self.conv(X)))
