# Bug: no sigmoid after the second layer, so the gates are unbounded (and can be negative).
class SEBlock(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        hidden = max(1, channels // reduction)
        self.excite = nn.Sequential(nn.Linear(channels, hidden), nn.ReLU(), nn.Linear(hidden, channels))

    def forward(self, X):
        gates = self.excite(global_avg_pool(X))
        return X * gates[..., None, None]
