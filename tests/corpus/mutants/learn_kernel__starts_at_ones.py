# Bug: every entry of the starting kernel is one (torch.ones), not random.
def learn_kernel(X, Y, kernel_size, lr=0.03, num_epochs=10):
    conv = nn.Conv2d(1, 1, kernel_size=kernel_size, bias=False)
    nn.init.ones_(conv.weight)
    X4, Y4 = X.reshape(1, 1, *X.shape), Y.reshape(1, 1, *Y.shape)
    for _ in range(num_epochs):
        loss = ((conv(X4) - Y4) ** 2).sum()
        conv.zero_grad()
        loss.backward()
        with torch.no_grad():
            conv.weight -= lr * conv.weight.grad
    return conv.weight.detach().reshape(kernel_size)
