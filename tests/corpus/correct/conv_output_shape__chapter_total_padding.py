# The chapter's total-padding formula floor((n - k + p_tot + s) / s), with p_tot = 2 * per-side padding.
from torch.nn.modules.utils import _pair


def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    (n_h, n_w), (k_h, k_w) = _pair(input_size), _pair(kernel_size)
    (p_h, p_w), (s_h, s_w) = _pair(padding), _pair(stride)
    return ((n_h - k_h + 2 * p_h + s_h) // s_h, (n_w - k_w + 2 * p_w + s_w) // s_w)
