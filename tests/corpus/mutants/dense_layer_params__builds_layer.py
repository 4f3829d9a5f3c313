# Bug: builds the layer to count it, which cannot work for megapixel images (gigabytes of weights).
def dense_layer_params(height, width, hidden):
    layer = nn.Linear(height * width, hidden)
    return sum(p.numel() for p in layer.parameters())
