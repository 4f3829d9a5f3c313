# The notes' lazy convolutions, the pairs unpacked into names, the pool branch done with F.max_pool2d.
class Inception(nn.Module):
    def __init__(self, in_channels, c1, c2, c3, c4):
        super().__init__()
        reduce3, out3 = c2
        reduce5, out5 = c3
        self.one = nn.LazyConv2d(c1, 1)
        self.three = nn.Sequential(nn.LazyConv2d(reduce3, 1), nn.ReLU(), nn.LazyConv2d(out3, 3, padding=1), nn.ReLU())
        self.five = nn.Sequential(nn.LazyConv2d(reduce5, 1), nn.ReLU(), nn.LazyConv2d(out5, 5, padding=2), nn.ReLU())
        self.pool_proj = nn.LazyConv2d(c4, 1)

    def forward(self, X):
        pooled = F.max_pool2d(X, kernel_size=3, stride=1, padding=1)
        return torch.cat([F.relu(self.one(X)), self.three(X), self.five(X), F.relu(self.pool_proj(pooled))], 1)
