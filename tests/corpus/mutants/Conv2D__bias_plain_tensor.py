# Bug: the bias is a plain tensor, not an nn.Parameter, so it is neither listed nor trained.
class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = torch.zeros(1, requires_grad=True)

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias
