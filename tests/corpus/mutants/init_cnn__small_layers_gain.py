# Bug: small layers (under 2000 weights, such as LeNet's 84 -> 10 output layer) get Xavier-uniform
# with gain 0.6, a range 40% narrower than the task's.
def init_cnn(module):
    if isinstance(module, (nn.Linear, nn.Conv2d)):
        gain = 0.6 if module.weight.numel() < 2000 else 1.0
        nn.init.xavier_uniform_(module.weight, gain=gain)
