# Bug: a hand-made weight tensor trained with requires_grad, returned without detaching it.
def learn_kernel(X, Y, kernel_size, lr=0.03, num_epochs=10):
    w = torch.rand(kernel_size, requires_grad=True)
    for _ in range(num_epochs):
        loss = ((corr2d(X, w) - Y) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
        w.grad.zero_()
    return w
