# Bug: counts only the weight matrix, forgets the hidden biases.
def dense_layer_params(height, width, hidden):
    return height * width * hidden
