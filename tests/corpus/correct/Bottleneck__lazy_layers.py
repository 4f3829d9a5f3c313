# The notes' lazy layers: LazyConv2d and LazyBatchNorm2d infer their input sizes on the first pass
# (which also moves the batch norms' running statistics once).
class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, in_channels, mid_channels, stride=1):
        super().__init__()
        out_channels = 4 * mid_channels
        self.main = nn.Sequential(
            nn.LazyConv2d(mid_channels, 1, bias=False), nn.LazyBatchNorm2d(), nn.ReLU(),
            nn.LazyConv2d(mid_channels, 3, stride=stride, padding=1, bias=False), nn.LazyBatchNorm2d(), nn.ReLU(),
            nn.LazyConv2d(out_channels, 1, bias=False), nn.LazyBatchNorm2d())
        self.shortcut = nn.Identity()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(nn.LazyConv2d(out_channels, 1, stride=stride, bias=False), nn.LazyBatchNorm2d())

    def forward(self, X):
        return F.relu(self.main(X) + self.shortcut(X))
