# Bug: "initialises" batch norm layers too, resetting their running statistics.
def init_cnn(module):
    if isinstance(module, (nn.Linear, nn.Conv2d)):
        nn.init.xavier_uniform_(module.weight)
    elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
        module.running_mean.fill_(0.5)
