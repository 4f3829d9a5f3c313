# Bug: the first parameter is called `size`, so conv_layer_params(kernel_size=(2, 1)) fails.
def conv_layer_params(size, in_channels=1, out_channels=1):
    k_h, k_w = (size, size) if isinstance(size, int) else size
    return k_h * k_w * in_channels * out_channels + out_channels
