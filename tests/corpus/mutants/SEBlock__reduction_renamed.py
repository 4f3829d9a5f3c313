# Bug: the reduction parameter is called r, so SEBlock(64, reduction=4) raises TypeError.
class SEBlock(nn.Module):
    def __init__(self, channels, r=16):
        super().__init__()
        hidden = max(1, channels // r)
        self.excite = nn.Sequential(nn.Linear(channels, hidden), nn.ReLU(), nn.Linear(hidden, channels), nn.Sigmoid())

    def forward(self, X):
        gates = self.excite(global_avg_pool(X))
        return X * gates[..., None, None]
