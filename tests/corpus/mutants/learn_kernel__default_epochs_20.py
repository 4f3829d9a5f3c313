# Bug: num_epochs defaults to 20, not the task's 10.
def learn_kernel(X, Y, kernel_size, lr=0.03, num_epochs=20):
    conv = nn.Conv2d(1, 1, kernel_size=kernel_size, bias=False)
    X4, Y4 = X.reshape(1, 1, *X.shape), Y.reshape(1, 1, *Y.shape)
    for _ in range(num_epochs):
        loss = ((conv(X4) - Y4) ** 2).sum()
        conv.zero_grad()
        loss.backward()
        with torch.no_grad():
            conv.weight -= lr * conv.weight.grad
    return conv.weight.detach().reshape(kernel_size)
