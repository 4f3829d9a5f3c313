# A helper for conv + batch norm in a cell of its own, the shortcut created before the main path,
# and the main path as a ModuleList walked in forward.
# %% extra cell
def conv_bn(c_in, c_out, kernel_size, stride=1):
    return nn.Sequential(nn.Conv2d(c_in, c_out, kernel_size, stride=stride, padding=kernel_size // 2, bias=False),
                         nn.BatchNorm2d(c_out))
# %% stub cell
class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, in_channels, mid_channels, stride=1):
        super().__init__()
        out_channels = self.expansion * mid_channels
        needs_projection = stride != 1 or in_channels != out_channels
        self.shortcut = conv_bn(in_channels, out_channels, 1, stride) if needs_projection else nn.Identity()
        self.layers = nn.ModuleList([conv_bn(in_channels, mid_channels, 1), conv_bn(mid_channels, mid_channels, 3, stride),
                                     conv_bn(mid_channels, out_channels, 1)])

    def forward(self, X):
        Y = X
        for i, layer in enumerate(self.layers):
            Y = layer(Y)
            if i < len(self.layers) - 1:
                Y = torch.relu(Y)
        return torch.relu(Y + self.shortcut(X))
