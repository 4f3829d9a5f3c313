# torchvision-like: a _make_stage method that tracks the channels, blocks created with keywords,
# and the head as separate attributes used in forward.
class ModernCNN(nn.Module):
    def __init__(self, num_classes=1000, input_channels=3):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(input_channels, 64, kernel_size=7, stride=2, padding=3, bias=False),
                                  nn.BatchNorm2d(64), nn.ReLU(inplace=True),
                                  nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
        self.in_channels = 64
        self.stage1 = self._make_stage(64, 3, stride=1)
        self.stage2 = self._make_stage(128, 4, stride=2)
        self.stage3 = self._make_stage(256, 6, stride=2)
        self.stage4 = self._make_stage(512, 3, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * Bottleneck.expansion, num_classes)

    def _make_stage(self, mid_channels, num_blocks, stride):
        strides = [stride] + [1] * (num_blocks - 1)
        blocks = []
        for s in strides:
            blocks.append(Bottleneck(in_channels=self.in_channels, mid_channels=mid_channels, stride=s))
            self.in_channels = mid_channels * Bottleneck.expansion
        return nn.Sequential(*blocks)

    def forward(self, x):
        x = self.stage4(self.stage3(self.stage2(self.stage1(self.stem(x)))))
        return self.fc(torch.flatten(self.avgpool(x), 1))
