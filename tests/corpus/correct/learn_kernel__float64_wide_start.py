# Descends in float64 from a wide random start (2 * randn) with the notebook's corr2d; returns a float64 kernel.
def learn_kernel(X, Y, kernel_size, lr=0.03, num_epochs=10):
    X, Y = X.double(), Y.double()
    K = (2 * torch.randn(kernel_size, dtype=torch.float64)).requires_grad_()
    for _ in range(num_epochs):
        loss = ((corr2d(X, K) - Y) ** 2).sum()
        K.grad = None
        loss.backward()
        with torch.no_grad():
            K -= lr * K.grad
    return K.detach()
