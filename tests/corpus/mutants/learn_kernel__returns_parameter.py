# Bug: the trained weight comes back still attached to the graph (no .detach()).
def learn_kernel(X, Y, kernel_size, lr=0.03, num_epochs=10):
    conv = nn.Conv2d(1, 1, kernel_size=kernel_size, bias=False)
    X4 = X.reshape((1, 1) + tuple(X.shape))
    Y4 = Y.reshape((1, 1) + tuple(Y.shape))
    for _ in range(num_epochs):
        loss = ((conv(X4) - Y4) ** 2).sum()
        conv.zero_grad()
        loss.backward()
        with torch.no_grad():
            conv.weight -= lr * conv.weight.grad
    return conv.weight.reshape(kernel_size)
