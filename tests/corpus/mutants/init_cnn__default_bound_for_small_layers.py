# Bug: layers with fewer than 1000 weights are drawn from PyTorch's default range U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
import math


def init_cnn(module):
    if isinstance(module, (nn.Linear, nn.Conv2d)):
        w = module.weight
        if w.numel() < 1000:
            bound = 1 / math.sqrt(w[0].numel())
            with torch.no_grad():
                w.uniform_(-bound, bound)
        else:
            nn.init.xavier_uniform_(w)
