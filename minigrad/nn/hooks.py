"""Forward hooks, as PyTorch's: a pre-hook runs before a module's forward and may replace its
inputs, a hook runs after and may replace its output (a way to look at activations).
Module.register_forward_pre_hook / register_forward_hook return a RemovableHandle."""
from ..tensor_hooks import RemovableHandle


def add_hook(hooks, hook, prepend, with_kwargs):
    """Register hook in the ordered dict `hooks` (first with prepend=True)."""
    key = object()
    hooks[key] = (hook, with_kwargs)
    if prepend:
        hooks.move_to_end(key, last=False)
    return RemovableHandle(hooks, key)


def run_pre_hooks(module, hooks, args, kwargs):
    """(args, kwargs) after each pre-hook: a value it returns replaces the inputs (a tuple is
    the new args, anything else one argument; with kwargs, an (args, kwargs) pair)."""
    for hook, with_kwargs in list(hooks.values()):
        result = hook(module, args, kwargs) if with_kwargs else hook(module, args)
        if result is None:
            continue
        if not with_kwargs:
            args = result if isinstance(result, tuple) else (result,)
        elif isinstance(result, tuple) and len(result) == 2:
            args, kwargs = result
        else:
            raise RuntimeError(f"forward pre-hook must return None or a tuple of (new_args, new_kwargs), "
                               f"but got {result}.")
    return args, kwargs


def run_hooks(module, hooks, args, kwargs, output):
    """The output after each hook: a value a hook returns replaces it."""
    for hook, with_kwargs in list(hooks.values()):
        result = hook(module, args, kwargs, output) if with_kwargs else hook(module, args, output)
        if result is not None:
            output = result
    return output
