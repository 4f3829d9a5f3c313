# Bug: batch norm applied functionally with training=True, so eval mode still normalises with the batch's statistics.
class ConvBlock(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=kernel_size // 2)
        self.bn = nn.BatchNorm2d(out_channels)

    def forward(self, X):
        Z = self.conv(X)
        Z = F.batch_norm(Z, self.bn.running_mean, self.bn.running_var, self.bn.weight, self.bn.bias,
                         training=True, momentum=self.bn.momentum, eps=self.bn.eps)
        return F.relu(Z)
