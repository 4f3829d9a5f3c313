# Bug: counts with a tensor and returns it, not a Python int.
def dense_layer_params(height, width, hidden):
    n = torch.tensor(height * width)
    return n * hidden + hidden
