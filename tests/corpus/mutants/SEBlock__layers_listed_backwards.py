# Bug: keeps the two layers in a ModuleList in the wrong order (expanding first) and indexes it backwards in forward.
class SEBlock(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        hidden = max(1, channels // reduction)
        self.layers = nn.ModuleList([nn.Linear(hidden, channels), nn.Linear(channels, hidden)])

    def forward(self, X):
        z = torch.relu(self.layers[1](global_avg_pool(X)))
        gates = torch.sigmoid(self.layers[0](z))
        return X * gates.reshape(*gates.shape, 1, 1)
