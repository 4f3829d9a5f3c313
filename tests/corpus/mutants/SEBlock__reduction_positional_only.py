# Bug: the reduction comes from *args, so it can only be given by position: SEBlock(64, reduction=4) raises TypeError.
class SEBlock(nn.Module):
    def __init__(self, channels, *args):
        super().__init__()
        reduction = args[0] if args else 16
        hidden = max(1, channels // reduction)
        self.fc1 = nn.Linear(channels, hidden)
        self.fc2 = nn.Linear(hidden, channels)

    def forward(self, X):
        gates = torch.sigmoid(self.fc2(torch.relu(self.fc1(global_avg_pool(X)))))
        return X * gates[:, :, None, None]
