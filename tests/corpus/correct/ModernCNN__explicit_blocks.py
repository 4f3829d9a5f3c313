# Every block written out, positional arguments, stride left to its default of 1, a functional head.
class ModernCNN(nn.Module):
    def __init__(self, num_classes=1000, input_channels=3):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(input_channels, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
                                  nn.MaxPool2d(3, 2, 1))
        self.stage1 = nn.Sequential(Bottleneck(64, 64), Bottleneck(256, 64), Bottleneck(256, 64))
        self.stage2 = nn.Sequential(Bottleneck(256, 128, 2), Bottleneck(512, 128), Bottleneck(512, 128), Bottleneck(512, 128))
        self.stage3 = nn.Sequential(Bottleneck(512, 256, 2), Bottleneck(1024, 256), Bottleneck(1024, 256),
                                    Bottleneck(1024, 256), Bottleneck(1024, 256), Bottleneck(1024, 256))
        self.stage4 = nn.Sequential(Bottleneck(1024, 512, 2), Bottleneck(2048, 512), Bottleneck(2048, 512))
        self.classifier = nn.Linear(2048, num_classes)

    def forward(self, X):
        for stage in [self.stem, self.stage1, self.stage2, self.stage3, self.stage4]:
            X = stage(X)
        return self.classifier(X.mean(dim=(2, 3)))
