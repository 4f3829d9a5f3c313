# Bug: pairs are tuples or lists but "not a torch.Size", so input_size=X.shape[-2:] is repeated as (size, size).
import torch


def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    def pair(v):
        if isinstance(v, (tuple, list)) and not isinstance(v, torch.Size):
            return tuple(v)
        return (v, v)

    out = []
    for n, k, p, s in zip(pair(input_size), pair(kernel_size), pair(padding), pair(stride)):
        out.append((n + 2 * p - k) // s + 1)
    return tuple(out)
