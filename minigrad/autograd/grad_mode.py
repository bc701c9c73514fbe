"""Grad mode: whether ops record the backward graph, per thread as in PyTorch (`no_grad`,
`enable_grad`, `set_grad_enabled`, `inference_mode`). Evaluation and optimizer updates run
without a graph; a worker thread's mode never changes another's."""
import threading

_mode = threading.local()


def is_grad_enabled():
    return getattr(_mode, "enabled", True)


class set_grad_enabled:
    """Turn graph recording on or off, in this thread: a context manager, a decorator,
    or (called plainly) a switch, as torch.set_grad_enabled."""

    def __init__(self, mode=True):
        self.previous = is_grad_enabled()
        self.mode = bool(mode)
        _mode.enabled = self.mode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _mode.enabled = self.previous

    def __call__(self, fn):
        mode = self.mode
        _mode.enabled = self.previous  # used as a decorator: undo the switch made by __init__

        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)
        wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
        return wrapper


class no_grad:
    """Inside this block (or decorated function) ops record no graph (evaluation,
    optimizer updates). Per thread."""
    mode = False

    def __enter__(self):
        self.previous = is_grad_enabled()
        _mode.enabled = self.mode

    def __exit__(self, *exc):
        _mode.enabled = self.previous

    def __call__(self, fn):
        cls = type(self)

        def wrapper(*args, **kwargs):
            with cls():
                return fn(*args, **kwargs)
        wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
        return wrapper


class inference_mode(no_grad):
    """torch.inference_mode: here the same as no_grad (no graph is recorded)."""

    def __init__(self, mode=True):
        self.mode = not mode


class enable_grad(no_grad):
    """Record the graph again inside a no_grad block."""
    mode = True
