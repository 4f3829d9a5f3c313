# The chapter's layer (LazyConv2d, bias=False) trained with torch.optim.SGD instead of a hand-written step.
def learn_kernel(X, Y, kernel_size, lr=0.03, num_epochs=10):
    conv = nn.LazyConv2d(1, kernel_size=kernel_size, bias=False)
    X4, Y4 = X.reshape(1, 1, *X.shape), Y.reshape(1, 1, *Y.shape)
    conv(X4)  # materialise the lazy weight before handing it to the optimiser
    opt = torch.optim.SGD(conv.parameters(), lr=lr)
    for _ in range(num_epochs):
        opt.zero_grad()
        ((conv(X4) - Y4) ** 2).sum().backward()
        opt.step()
    return conv.weight.detach().reshape(kernel_size)
