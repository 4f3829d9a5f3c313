# torchvision-style projection shortcut: the 1x1 conv is followed by its own BatchNorm2d.
class ResidualBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.main = nn.Sequential(
            ConvBlock(in_channels, out_channels, 3, stride),
            nn.Conv2d(out_channels, out_channels, 3, padding=1),
            nn.BatchNorm2d(out_channels),
        )
        self.shortcut = nn.Identity()
        if in_channels != out_channels or stride != 1:
            self.shortcut = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride=stride),
                                          nn.BatchNorm2d(out_channels))

    def forward(self, X):
        return F.relu(self.main(X) + self.shortcut(X))
