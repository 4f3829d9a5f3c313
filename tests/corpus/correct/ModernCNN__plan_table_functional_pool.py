# A class-level plan of (mid_channels, blocks, stride), blocks created with mixed positional and keyword
# arguments, and the head's pooling done with F.adaptive_avg_pool2d in forward.
class ModernCNN(nn.Module):
    plan = [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]

    def __init__(self, num_classes=1000, input_channels=3):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(input_channels, 64, kernel_size=7, stride=2, padding=3, bias=False),
            nn.BatchNorm2d(64),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
        )
        stages, channels = [], 64
        for mid, n, first_stride in self.plan:
            blocks = []
            for stride in [first_stride] + [1] * (n - 1):
                blocks.append(Bottleneck(channels, mid_channels=mid, stride=stride))
                channels = 4 * mid
            stages.append(nn.Sequential(*blocks))
        self.stage1, self.stage2, self.stage3, self.stage4 = stages
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, X):
        X = self.stem(X)
        X = self.stage1(X)
        X = self.stage2(X)
        X = self.stage3(X)
        X = self.stage4(X)
        return self.fc(F.adaptive_avg_pool2d(X, 1).flatten(1))
