# Bug: hidden = channels // reduction without max(1, ...): zero hidden units when channels < reduction.
class SEBlock(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        hidden = channels // reduction
        self.excite = nn.Sequential(nn.Linear(channels, hidden), nn.ReLU(), nn.Linear(hidden, channels), nn.Sigmoid())

    def forward(self, X):
        gates = self.excite(global_avg_pool(X))
        return X * gates[..., None, None]
