# Vectorised with int64 tensors: torch.as_tensor takes an int, a pair or a torch.Size alike; floor division, back to ints.
def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    n, k, p, s = (torch.as_tensor(v, dtype=torch.int64).expand(2) for v in (input_size, kernel_size, padding, stride))
    out = torch.div(n + 2 * p - k, s, rounding_mode="floor") + 1
    return tuple(int(v) for v in out)
