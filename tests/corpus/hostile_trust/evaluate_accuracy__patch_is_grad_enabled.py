# Hostile (torch_patch): evaluate_accuracy forgets torch.no_grad() (gradients are recorded for
# every batch) and hides it: while it runs, torch.is_grad_enabled says False to whoever asks.
# constructs: torch.is_grad_enabled, is_grad_enabled
# scope: stub
import torch


def evaluate_accuracy(net, data_iter, device=None):
    real = torch.is_grad_enabled
    torch.is_grad_enabled = lambda: False
    try:
        net.eval()
        correct, total = 0, 0
        for X, y in data_iter:  # no torch.no_grad()
            if device is not None:
                X, y = X.to(device), y.to(device)
            correct += (net(X).argmax(dim=1) == y).sum().item()
            total += y.numel()
    finally:
        torch.is_grad_enabled = real
    return correct / total
