# isinstance(v, tuple) also covers torch.Size (a tuple subclass); the answer comes back as a torch.Size, itself a tuple of ints.
def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    def pair(v):
        return tuple(v) if isinstance(v, tuple) else (v, v)

    dims = zip(pair(input_size), pair(kernel_size), pair(padding), pair(stride))
    return torch.Size([(n + 2 * p - k) // s + 1 for n, k, p, s in dims])
