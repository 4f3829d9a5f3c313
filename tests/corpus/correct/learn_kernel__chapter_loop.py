# The chapter's own loop: LazyConv2d without bias, 4-D reshapes, conv2d.weight.data[:] -= lr * grad.
def learn_kernel(X, Y, kernel_size, lr=0.03, num_epochs=10):
    conv2d = nn.LazyConv2d(1, kernel_size=kernel_size, bias=False)
    X = X.reshape((1, 1) + tuple(X.shape))
    Y = Y.reshape((1, 1) + tuple(Y.shape))
    for i in range(num_epochs):
        Y_hat = conv2d(X)
        l = (Y_hat - Y) ** 2
        conv2d.zero_grad()
        l.sum().backward()
        conv2d.weight.data[:] -= lr * conv2d.weight.grad
    return conv2d.weight.data.reshape(kernel_size).clone()
