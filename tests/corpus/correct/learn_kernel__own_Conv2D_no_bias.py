# Reuses the notebook's Conv2D and freezes its bias at zero, stepping only the weight.
def learn_kernel(X, Y, kernel_size, lr=0.03, num_epochs=10):
    layer = Conv2D(kernel_size)
    layer.bias.requires_grad_(False)
    for _ in range(num_epochs):
        loss = ((layer(X) - Y) ** 2).sum()
        layer.weight.grad = None
        loss.backward()
        with torch.no_grad():
            layer.weight -= lr * layer.weight.grad
    return layer.weight.detach().clone()
