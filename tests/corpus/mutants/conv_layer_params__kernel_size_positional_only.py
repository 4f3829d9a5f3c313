# Bug: kernel_size is positional-only (the `/`), so it cannot be given by keyword as the signature promises.
from torch.nn.modules.utils import _pair


def conv_layer_params(kernel_size, /, in_channels=1, out_channels=1):
    k_h, k_w = _pair(kernel_size)
    return out_channels * (in_channels * k_h * k_w + 1)
