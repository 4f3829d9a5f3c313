# Bug: one bias per input channel instead of per output channel.
def conv_layer_params(kernel_size, in_channels=1, out_channels=1):
    k_h, k_w = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return k_h * k_w * in_channels * out_channels + in_channels
