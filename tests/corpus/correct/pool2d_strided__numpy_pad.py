# numpy round trip: np.pad with -inf or 0 on the last two axes, strided sliding windows, max/mean.
import numpy as np


def pool2d_strided(X, pool_size, padding=0, stride=None, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(f"mode {mode!r} is not 'max' or 'avg'")
    p_h, p_w = np.broadcast_to(pool_size, 2)
    pad_h, pad_w = np.broadcast_to(padding, 2)
    s_h, s_w = np.broadcast_to(pool_size if stride is None else stride, 2)
    x = X.numpy()
    pad = [(0, 0)] * (x.ndim - 2) + [(pad_h, pad_h), (pad_w, pad_w)]
    x = np.pad(x, pad, constant_values=-np.inf if mode == 'max' else 0.0)
    windows = np.lib.stride_tricks.sliding_window_view(x, (p_h, p_w), axis=(-2, -1))[..., ::s_h, ::s_w, :, :]
    reduce = np.max if mode == 'max' else np.mean
    return torch.from_numpy(np.ascontiguousarray(reduce(windows, axis=(-2, -1))))
