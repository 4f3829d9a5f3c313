# Bug: mean squared error instead of the summed loss, so every step is ~40x too small to converge.
def learn_kernel(X, Y, kernel_size, lr=0.03, num_epochs=10):
    conv = nn.Conv2d(1, 1, kernel_size=kernel_size, bias=False)
    X4, Y4 = X.reshape(1, 1, *X.shape), Y.reshape(1, 1, *Y.shape)
    for _ in range(num_epochs):
        loss = ((conv(X4) - Y4) ** 2).mean()
        conv.zero_grad()
        loss.backward()
        with torch.no_grad():
            conv.weight -= lr * conv.weight.grad
    return conv.weight.detach().reshape(kernel_size)
