# Bug: true division then int(): right for small sizes, but floats cannot hold every integer past 2**53.
def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    def pair(v):
        return (v, v) if isinstance(v, int) else tuple(v)

    (n_h, n_w), (k_h, k_w) = pair(input_size), pair(kernel_size)
    (p_h, p_w), (s_h, s_w) = pair(padding), pair(stride)
    return (int((n_h + 2 * p_h - k_h) / s_h) + 1, int((n_w + 2 * p_w - k_w) / s_w) + 1)
