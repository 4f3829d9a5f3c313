# Bug: reuses the notebook's Conv2D and trains its bias along with the weight (torch.optim.SGD on all parameters).
def learn_kernel(X, Y, kernel_size, lr=0.03, num_epochs=10):
    layer = Conv2D(kernel_size)
    opt = torch.optim.SGD(layer.parameters(), lr=lr)
    for _ in range(num_epochs):
        opt.zero_grad()
        ((layer(X) - Y) ** 2).sum().backward()
        opt.step()
    return layer.weight.detach().clone()
