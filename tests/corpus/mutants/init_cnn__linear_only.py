# Bug: only nn.Linear layers are initialised; convolutions keep PyTorch's default weights.
def init_cnn(module):
    if isinstance(module, nn.Linear):
        nn.init.xavier_uniform_(module.weight)
