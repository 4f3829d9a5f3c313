# Bug: always trains for the chapter's 10 epochs, whatever num_epochs says.
def learn_kernel(X, Y, kernel_size, lr=0.03, num_epochs=10):
    conv = nn.Conv2d(1, 1, kernel_size=kernel_size, bias=False)
    X4, Y4 = X.reshape(1, 1, *X.shape), Y.reshape(1, 1, *Y.shape)
    for _ in range(10):
        loss = ((conv(X4) - Y4) ** 2).sum()
        conv.zero_grad()
        loss.backward()
        with torch.no_grad():
            conv.weight -= lr * conv.weight.grad
    return conv.weight.detach().reshape(kernel_size)
