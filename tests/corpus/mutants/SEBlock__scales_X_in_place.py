# Bug: scales X in place (X *= gates) and returns it, changing the caller's input.
class SEBlock(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        hidden = max(1, channels // reduction)
        self.excite = nn.Sequential(nn.Linear(channels, hidden), nn.ReLU(), nn.Linear(hidden, channels), nn.Sigmoid())

    def forward(self, X):
        gates = self.excite(global_avg_pool(X))
        X *= gates[..., None, None]
        return X
