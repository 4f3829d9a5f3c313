"""Trusted judgement, in the parent only: a submission in, scored tests out.

Nothing here trusts what the child computes; every verdict is reached here, with this code, on
plain data the child sent (see runtime/sandboxed/ for the other side)."""
