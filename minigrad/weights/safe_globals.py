"""Which classes and functions a checkpoint may name: PyTorch's "safe globals".

A pickle names each class or function it needs by its full name, `module.qualname`, and loading
rebuilds objects with them. `minigrad.load` rebuilds Tensors, containers, numbers and strings on
its own; anything else (a whole Module, your own class, a numpy array) only once the caller has
said that it trusts that global, as in PyTorch (`minigrad.serialization` re-exports these):

    minigrad.serialization.add_safe_globals([Net, nn.Linear])      # from now on
    with minigrad.serialization.safe_globals([Net, nn.Linear]):    # for the loads inside
        model = minigrad.load("model.pt")

An entry is the object itself, known by `obj.__module__ + "." + obj.__qualname__`, or a pair
(obj, "full.name") for a file that names it differently. A name matches exactly: nothing is imported.
"""
_marked = set()


def add_safe_globals(safe_globals):
    """Trust these globals (classes, functions, or (obj, "full.name") pairs) in every later load."""
    global _marked
    _marked = _marked.union(set(safe_globals))


def get_safe_globals():
    """The globals trusted so far, as a list."""
    return list(_marked)


def clear_safe_globals():
    """Trust none of them any more."""
    global _marked
    _marked = set()


class safe_globals:
    """`with safe_globals([...]):` trusts the globals inside the block only. As PyTorch, leaving the
    block removes them, even ones that had been added before it."""

    def __init__(self, safe_globals):
        self.safe_globals = safe_globals

    def __enter__(self):
        add_safe_globals(self.safe_globals)

    def __exit__(self, *exc):
        global _marked
        _marked = _marked.difference(set(self.safe_globals))


def allowed_by_name():
    """{full name: object} of the trusted globals, with PyTorch's errors for a malformed pair."""
    named = {}
    for entry in _marked:
        if isinstance(entry, tuple):
            if len(entry) != 2:
                raise ValueError("Expected tuple of length 2 (global, str of callable full path), but got tuple "
                                 f"of length: {len(entry)}")
            if type(entry[1]) is not str:
                raise TypeError("Expected second item in tuple to be str of callable full path, but got: "
                                f"{type(entry[1])}")
            named[entry[1]] = entry[0]
        else:
            named[f"{entry.__module__}.{entry.__qualname__}"] = entry
    return named
