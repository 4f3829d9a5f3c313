# EAFP: try to unpack a pair, fall back to a square kernel; bias factored out.
def conv_layer_params(kernel_size, in_channels=1, out_channels=1):
    try:
        k_h, k_w = kernel_size
    except TypeError:
        k_h = k_w = kernel_size
    return out_channels * (in_channels * k_h * k_w + 1)
