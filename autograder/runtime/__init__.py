"""Where student code runs: the sandbox the parent starts (sandbox.py, cgroups.py) and the child
side (sandboxed/), the only grader code that runs inside it."""
