# Bug: only an exact tuple counts as a pair (type(v) is tuple), so a torch.Size such as X.shape[-2:] is taken for one number.
def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    def pair(v):
        return v if type(v) is tuple else (v, v)

    (n_h, n_w), (k_h, k_w) = pair(input_size), pair(kernel_size)
    (p_h, p_w), (s_h, s_w) = pair(padding), pair(stride)
    return ((n_h + 2 * p_h - k_h) // s_h + 1, (n_w + 2 * p_w - k_w) // s_w + 1)
