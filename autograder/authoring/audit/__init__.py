"""`course audit`: mutation analysis of the hidden tests.

Each stub's reference solution is mutated into plausible wrong answers (`operators.generate`);
a hidden suite that lets a mutant pass has a gap an instructor should see.
"""
