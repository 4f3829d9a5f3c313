# divmod per dimension: only the quotient counts, the remainder is the skipped tail.
def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    def pair(v):
        return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))

    out = []
    for n, k, p, s in zip(pair(input_size), pair(kernel_size), pair(padding), pair(stride)):
        steps, _ = divmod(n + 2 * p - k, s)
        out.append(steps + 1)
    return tuple(out)
