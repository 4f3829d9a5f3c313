# Bug: assumes the field is kernel_size * num_layers.
def receptive_field(kernel_size, num_layers):
    return kernel_size * num_layers
