# Rearranged closed form: num_layers * (k - 1) + 1.
def receptive_field(kernel_size, num_layers):
    return num_layers * (kernel_size - 1) + 1
