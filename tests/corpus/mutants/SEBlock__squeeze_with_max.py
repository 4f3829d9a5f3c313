# Bug: squeezes each channel with its maximum instead of its mean.
class SEBlock(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        hidden = max(1, channels // reduction)
        self.excite = nn.Sequential(nn.Linear(channels, hidden), nn.ReLU(), nn.Linear(hidden, channels), nn.Sigmoid())

    def forward(self, X):
        gates = self.excite(X.amax(dim=(-2, -1)))
        return X * gates[..., None, None]
