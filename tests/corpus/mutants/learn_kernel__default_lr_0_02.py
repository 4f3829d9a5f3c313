# Bug: lr defaults to 0.02, not the task's 0.03 (a raw-tensor learner on the stand-in corr2d).
def learn_kernel(X, Y, kernel_size, lr=0.02, num_epochs=10):
    K = torch.rand(kernel_size, requires_grad=True)
    for _ in range(num_epochs):
        loss = ((corr2d(X, K) - Y) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            K -= lr * K.grad
            K.grad.zero_()
    return K.detach()
