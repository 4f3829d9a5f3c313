# Bug: returns what nn.init.xavier_uniform_ returns (the weight) instead of nothing.
def init_cnn(module):
    if isinstance(module, (nn.Linear, nn.Conv2d)):
        return nn.init.xavier_uniform_(module.weight)
