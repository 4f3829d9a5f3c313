# Bug: math.floor of a float quotient (the chapter's formula read literally): exact only while sizes fit a float.
import math


def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    def pair(v):
        return (v, v) if isinstance(v, int) else tuple(v)

    return tuple(math.floor((n - k + 2 * p + s) / s)
                 for n, k, p, s in zip(pair(input_size), pair(kernel_size), pair(padding), pair(stride)))
