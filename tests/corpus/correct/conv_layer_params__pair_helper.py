# Normalises kernel_size with torch's own _pair helper, then counts weights and biases separately.
from torch.nn.modules.utils import _pair


def conv_layer_params(kernel_size, in_channels=1, out_channels=1):
    k_h, k_w = _pair(kernel_size)
    weights = out_channels * in_channels * k_h * k_w
    biases = out_channels
    return weights + biases
