# d2l's lazy layers: LazyConv2d and LazyBatchNorm2d infer their input sizes on the first forward pass
# (which also updates the batch norm's running statistics once, before any eval-mode use).
class ConvBlock(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1):
        super().__init__()
        self.conv = nn.LazyConv2d(out_channels, kernel_size, stride=stride, padding=kernel_size // 2)
        self.bn = nn.LazyBatchNorm2d()

    def forward(self, X):
        return F.relu(self.bn(self.conv(X)))
