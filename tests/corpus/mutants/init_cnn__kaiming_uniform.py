# Bug: He (Kaiming) uniform initialisation instead of Xavier.
def init_cnn(module):
    if isinstance(module, (nn.Linear, nn.Conv2d)):
        nn.init.kaiming_uniform_(module.weight, nonlinearity='relu')
