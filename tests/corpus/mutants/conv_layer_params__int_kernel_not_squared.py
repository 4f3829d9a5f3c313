# Bug: an int kernel_size k is counted as k weights instead of k*k.
import math


def conv_layer_params(kernel_size, in_channels=1, out_channels=1):
    k = kernel_size if isinstance(kernel_size, int) else math.prod(kernel_size)
    return k * in_channels * out_channels + out_channels
