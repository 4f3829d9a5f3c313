# Stacks the per-channel correlations into one tensor and reduces it with .sum(0).
def corr2d_multi_in(X, K):
    return torch.stack([corr2d(X[c], K[c]) for c in range(len(X))]).sum(dim=0)
