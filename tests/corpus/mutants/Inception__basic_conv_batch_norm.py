# Bug: torchvision's BasicConv2d everywhere: convolutions without bias, each followed by a batch norm (the task has neither change).
class Inception(nn.Module):
    def __init__(self, in_channels, c1, c2, c3, c4):
        super().__init__()

        def conv(c_in, c_out, k):
            return nn.Sequential(nn.Conv2d(c_in, c_out, k, padding=k // 2, bias=False), nn.BatchNorm2d(c_out, eps=0.001), nn.ReLU())

        self.branch1 = conv(in_channels, c1, 1)
        self.branch2 = nn.Sequential(conv(in_channels, c2[0], 1), conv(c2[0], c2[1], 3))
        self.branch3 = nn.Sequential(conv(in_channels, c3[0], 1), conv(c3[0], c3[1], 5))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), conv(in_channels, c4, 1))

    def forward(self, X):
        return torch.cat([self.branch1(X), self.branch2(X), self.branch3(X), self.branch4(X)], dim=1)
