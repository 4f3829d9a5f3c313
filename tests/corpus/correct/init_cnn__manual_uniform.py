# Xavier-uniform by hand: fans from the weight's shape, then uniform_(-a, a) under no_grad.
import math


def init_cnn(module):
    if isinstance(module, (nn.Conv2d, nn.Linear)):
        w = module.weight
        receptive = w[0][0].numel()
        fan_in, fan_out = w.shape[1] * receptive, w.shape[0] * receptive
        a = math.sqrt(6.0 / (fan_in + fan_out))
        with torch.no_grad():
            w.uniform_(-a, a)
