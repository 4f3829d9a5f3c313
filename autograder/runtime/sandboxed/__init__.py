"""The untrusted side of the trust boundary: the only grader code that runs inside the sandbox.

Its files are copied flat into the jail (/grader) and run beside the student's code, in
a process the student controls completely. So, by rule:

* nothing here imports the rest of `autograder` (a test checks it): only the standard
  library, torch and safetensors;
* nothing here judges: the child computes and reports plain data; every comparison,
  "changed?", mode check and policy decision is made by the trusted parent;
* nothing here can produce a graded answer: no reference, oracle or stand-in. When a
  later stub needs a correct earlier one, the parent computes it (see `child.Help`).

The trusted side imports `wire` (both ends speak it) and `training` (the parent also
trains the reference network for calibration), never `child`.
"""
