# Grows the field layer by layer: every extra stride-1 layer adds kernel_size - 1 pixels.
def receptive_field(kernel_size, num_layers):
    field = 1
    for _ in range(num_layers):
        field += kernel_size - 1
    return field
