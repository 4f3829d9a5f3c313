# Bug: creates the expanding layer (hidden -> channels) before the squeezing one; the task creates them in the other order.
class SEBlock(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        hidden = max(1, channels // reduction)
        self.expand = nn.Linear(hidden, channels)
        self.squeeze = nn.Linear(channels, hidden)

    def forward(self, X):
        gates = torch.sigmoid(self.expand(torch.relu(self.squeeze(global_avg_pool(X)))))
        return X * gates[:, :, None, None]
