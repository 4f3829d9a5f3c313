"""The student side: what `pytest assignments/` and the visible check cells run, shipped as is.

Runs in the student's own process: a teaching aid, never a verdict (the hidden grader judges).
"""
