# Bug: returns X.mul_(gates), which multiplies the caller's X in place.
class SEBlock(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        hidden = max(1, channels // reduction)
        self.fc1 = nn.Linear(channels, hidden)
        self.fc2 = nn.Linear(hidden, channels)

    def forward(self, X):
        gates = torch.sigmoid(self.fc2(F.relu(self.fc1(global_avg_pool(X)))))
        return X.mul_(gates.view(X.shape[0], X.shape[1], 1, 1))
