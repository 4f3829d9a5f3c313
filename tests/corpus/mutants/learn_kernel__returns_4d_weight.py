# Bug: returns nn.Conv2d's 4-D weight (1, 1, k_h, k_w) instead of a 2-D kernel of shape kernel_size.
def learn_kernel(X, Y, kernel_size, lr=0.03, num_epochs=10):
    conv = nn.Conv2d(1, 1, kernel_size=kernel_size, bias=False)
    X4, Y4 = X.reshape(1, 1, *X.shape), Y.reshape(1, 1, *Y.shape)
    for _ in range(num_epochs):
        loss = ((conv(X4) - Y4) ** 2).sum()
        conv.zero_grad()
        loss.backward()
        with torch.no_grad():
            conv.weight -= lr * conv.weight.grad
    return conv.weight.detach()
