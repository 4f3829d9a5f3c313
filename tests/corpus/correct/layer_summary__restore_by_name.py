# Remembers every submodule's mode by name in a dict and puts each one back afterwards.
def layer_summary(net, input_shape):
    modes = {name: m.training for name, m in net.named_modules()}
    net.eval()
    X, out = torch.randn(*input_shape), []
    with torch.no_grad():
        for i in range(len(net)):
            X = net[i](X)
            out.append((type(net[i]).__name__, tuple(int(d) for d in X.shape)))
    for name, m in net.named_modules():
        m.training = modes[name]
    return out
