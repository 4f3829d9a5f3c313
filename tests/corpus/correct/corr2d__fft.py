# Frequency domain: correlation = IFFT(FFT(X) * conj(FFT(K))) with zero padding, then crop the valid part.
import torch


def corr2d(X, K):
    n_h, n_w = X.shape
    k_h, k_w = K.shape
    size = (n_h + k_h - 1, n_w + k_w - 1)
    spectrum = torch.fft.rfft2(X, s=size) * torch.fft.rfft2(K.to(X.dtype), s=size).conj()
    full = torch.fft.irfft2(spectrum, s=size)
    return full[:n_h - k_h + 1, :n_w - k_w + 1]
