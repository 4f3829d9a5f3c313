# Factored form: every output unit has h*w weights plus one bias.
def dense_layer_params(height, width, hidden):
    return hidden * (height * width + 1)
