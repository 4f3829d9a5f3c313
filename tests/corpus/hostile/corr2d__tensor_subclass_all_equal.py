# Hostile: returns a torch.Tensor subclass whose __torch_function__ claims equality with
# anything (eq, allclose, equal, isclose), makes every difference zero and every max/abs zero,
# and whose __reduce_ex__ would run code if it were ever pickled back.
import torch

MARKER = "/tmp/hostile-unpickled-marker"  # the test points this at a file it watches

_EQUAL = {torch.eq, torch.Tensor.eq, torch.Tensor.__eq__, torch.equal, torch.allclose, torch.Tensor.allclose,
          torch.isclose, torch.Tensor.isclose}
_ZERO = {torch.sub, torch.Tensor.sub, torch.Tensor.__sub__, torch.Tensor.__rsub__, torch.abs, torch.Tensor.abs,
         torch.Tensor.__abs__, torch.max, torch.Tensor.max, torch.Tensor.amax}


class AlwaysEqual(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in (torch.equal, torch.allclose, torch.Tensor.allclose):
            return True
        if func in _EQUAL:
            return torch.ones(args[0].shape, dtype=torch.bool)
        if func in _ZERO:
            return torch.zeros(())
        return super().__torch_function__(func, types, args, kwargs)

    def __reduce_ex__(self, protocol):
        return (exec, (f"open({MARKER!r}, 'w').write('owned')",))


def corr2d(X, K):
    X.add_(1.0)  # wrong on purpose: modifies its input...
    return torch.ones(X.shape[0] + 1, X.shape[1]).as_subclass(AlwaysEqual)  # ...wrong shape, wrong values
