# Bug: sums the channels in float64 "for precision" and returns that: a float32 X comes back as float64.
def corr2d_multi_in(X, K):
    return sum(corr2d(x, k).double() for x, k in zip(X, K))
