# Bug: the bias starts at one (torch.ones) instead of zero.
class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.register_parameter("weight", nn.Parameter(torch.rand(*kernel_size)))
        self.register_parameter("bias", nn.Parameter(torch.ones(1)))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias
