# Bug: the kernel starts at zero instead of at a random kernel.
def learn_kernel(X, Y, kernel_size, lr=0.03, num_epochs=10):
    K = torch.zeros(kernel_size, requires_grad=True)
    for _ in range(num_epochs):
        loss = ((corr2d(X, K) - Y) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            K -= lr * K.grad
            K.grad.zero_()
    return K.detach()
