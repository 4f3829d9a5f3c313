# Bug: true division sneaks in (pixels per row computed with /), so the count comes back as a float.
def dense_layer_params(height, width, hidden):
    inputs = height * width / 1
    return inputs * hidden + hidden
