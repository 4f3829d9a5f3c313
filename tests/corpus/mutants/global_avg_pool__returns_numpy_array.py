# Bug: takes the mean with numpy and returns the numpy array itself.
def global_avg_pool(X):
    return X.detach().numpy().mean(axis=(-2, -1))
