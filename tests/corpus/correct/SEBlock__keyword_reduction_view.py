# Layers in an nn.Sequential built from keyword arguments; the gates reshaped with unflatten.
class SEBlock(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        hidden = max(1, channels // reduction)
        self.gate = nn.Sequential(
            nn.Linear(in_features=channels, out_features=hidden),
            nn.ReLU(),
            nn.Linear(in_features=hidden, out_features=channels),
            nn.Sigmoid(),
        )

    def forward(self, X):
        return X * self.gate(global_avg_pool(X)).unflatten(1, (-1, 1, 1))
