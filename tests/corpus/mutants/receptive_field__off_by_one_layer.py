# Bug: adds k - 1 for every layer on top of the first layer's k (one layer too many).
def receptive_field(kernel_size, num_layers):
    return kernel_size + (kernel_size - 1) * num_layers
