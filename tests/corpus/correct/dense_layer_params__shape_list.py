# Lists the parameter shapes like nn.Linear stores them and multiplies them out with math.prod.
import math


def dense_layer_params(height, width, hidden):
    shapes = [(hidden, height * width), (hidden,)]
    return sum(math.prod(shape) for shape in shapes)
