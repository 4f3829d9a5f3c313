# Hostile: returns objects whose __reduce__ would run code in whoever unpickles them (it
# creates a marker file): the bare object, the object inside a list/dict beside a tensor, and
# the pickled bytes themselves, by turns.
import pickle

import torch

MARKER = "/tmp/hostile-unpickled-marker"  # the test points this at a file it watches
_calls = [0]


class Payload:
    def __reduce__(self):
        return (exec, (f"open({MARKER!r}, 'w').write('unpickled')",))


def corr2d(X, K):
    _calls[0] += 1
    X.add_(1.0)  # wrong on purpose
    garbage = torch.ones(X.shape[0] + 1, X.shape[1])
    return [Payload(), [Payload(), garbage], {"result": garbage, "payload": Payload()},
            pickle.dumps(Payload())][_calls[0] % 4]
