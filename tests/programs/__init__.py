"""Short PyTorch training programs of our own, in everyday PyTorch style, each written once as a
function of the library's modules so that the same text runs on torch and on minigrad.

Each file holds one program and a `run(lib, share, dtype, ...)` returning a dict of what the program
produces (its losses first). `lib` is the namespace of modules a program imports (twins.library), and
`share(model)` makes the two runs start from the same weights (twins.SameWeights).
tests/test_pytorch_programs.py runs each program under both libraries and compares the results.
"""
