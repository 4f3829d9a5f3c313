# Two Linear attributes, activations in forward, the squeeze as X.mean and the gates reshaped with view.
class SEBlock(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        self.fc1 = nn.Linear(channels, max(1, channels // reduction))
        self.fc2 = nn.Linear(max(1, channels // reduction), channels)

    def forward(self, X):
        n, c = X.shape[:2]
        z = X.mean(dim=(2, 3))
        g = torch.sigmoid(self.fc2(torch.relu(self.fc1(z))))
        return X * g.view(n, c, 1, 1)
