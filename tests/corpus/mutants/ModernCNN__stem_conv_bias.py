# Bug: the stem's 7x7 convolution keeps its bias (64 parameters more than torchvision's resnet50).
class ModernCNN(nn.Module):
    def __init__(self, num_classes=1000, input_channels=3):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(input_channels, 64, 7, stride=2, padding=3), nn.BatchNorm2d(64), nn.ReLU(),
                                  nn.MaxPool2d(3, stride=2, padding=1))
        channels = 64
        stages = []
        for mid_channels, num_blocks, stride in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]:
            blocks = []
            for i in range(num_blocks):
                blocks.append(Bottleneck(channels, mid_channels, stride if i == 0 else 1))
                channels = 4 * mid_channels
            stages.append(nn.Sequential(*blocks))
        self.stage1, self.stage2, self.stage3, self.stage4 = stages
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2048, num_classes))

    def forward(self, X):
        for part in (self.stem, self.stage1, self.stage2, self.stage3, self.stage4, self.head):
            X = part(X)
        return X
