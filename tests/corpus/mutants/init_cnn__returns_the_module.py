# Bug: hands the module back, builder style; init_cnn must return nothing.
def init_cnn(module):
    if type(module) in (nn.Linear, nn.Conv2d):
        nn.init.xavier_uniform_(module.weight)
    return module
