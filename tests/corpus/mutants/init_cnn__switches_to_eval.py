# Bug: puts every module it visits in eval mode while initialising.
def init_cnn(module):
    module.eval()
    if isinstance(module, (nn.Linear, nn.Conv2d)):
        nn.init.xavier_uniform_(module.weight)
