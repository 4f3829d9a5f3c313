# Squeeze-and-excitation with 1x1 convolutions on the (N, C, 1, 1) pooled map instead of Linear layers.
class SEBlock(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        hidden = max(1, channels // reduction)
        self.reduce = nn.Conv2d(channels, hidden, kernel_size=1)
        self.expand = nn.Conv2d(hidden, channels, kernel_size=1)

    def forward(self, X):
        s = global_avg_pool(X)[:, :, None, None]
        gates = torch.sigmoid(self.expand(F.relu(self.reduce(s))))
        return X * gates
