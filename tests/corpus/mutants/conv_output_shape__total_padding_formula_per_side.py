# Bug: the chapter's total-padding formula floor((n - k + p + s) / s) fed the per-side padding.
def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    def pair(v):
        return (v, v) if isinstance(v, int) else tuple(v)

    (n_h, n_w), (k_h, k_w) = pair(input_size), pair(kernel_size)
    (p_h, p_w), (s_h, s_w) = pair(padding), pair(stride)
    return ((n_h - k_h + p_h + s_h) // s_h, (n_w - k_w + p_w + s_w) // s_w)
