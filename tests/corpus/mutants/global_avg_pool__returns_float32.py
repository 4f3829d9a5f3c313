# Bug: .float() on the result turns float64 inputs into float32.
def global_avg_pool(X):
    return X.mean(dim=(-2, -1)).float()
