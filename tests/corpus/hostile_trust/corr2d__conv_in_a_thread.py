# Hostile (policy_evasion): corr2d delegates to torch's convolution, under an alias the name
# scan does not know (G), and in a worker thread, where the grader's trace of aten ops (kept
# per thread) does not look.
# constructs: threading, Thread
# scope: stub
import torch
import torch.nn.functional as G


def corr2d(X, K):
    import threading

    out = {}

    def work():
        dtype = torch.promote_types(X.dtype, K.dtype)
        out["Y"] = G.conv2d(X.to(dtype)[None, None], K.to(dtype)[None, None])[0, 0]

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    return out["Y"]
