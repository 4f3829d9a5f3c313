# Flattens height and width into one axis and averages over it.
def global_avg_pool(X):
    return X.flatten(start_dim=-2).mean(dim=-1)
