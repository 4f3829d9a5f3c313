# Bug: a torch.Size is read like a full tensor shape and only its last entry is used, for height and width alike.
import torch


def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    def pair(v):
        if isinstance(v, torch.Size):
            return (int(v[-1]), int(v[-1]))
        return (v, v) if isinstance(v, int) else (v[0], v[1])

    (n_h, n_w), (k_h, k_w) = pair(input_size), pair(kernel_size)
    (p_h, p_w), (s_h, s_w) = pair(padding), pair(stride)
    return ((n_h + 2 * p_h - k_h) // s_h + 1, (n_w + 2 * p_w - k_w) // s_w + 1)
