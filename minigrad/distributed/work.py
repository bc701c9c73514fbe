"""A collective in flight (MPI's request, or an NCCL all-reduce on its own stream)."""


class Work:
    """A collective in flight: wait() blocks until its result is in the array."""

    def __init__(self, wait=None, test=None):
        self._wait, self._test = wait, test

    def wait(self):
        if self._wait is not None:
            self._wait()
            self._wait = self._test = None

    def test(self):
        """Give the library a chance to progress (MPI moves bytes only inside its calls)."""
        return self._test() if self._test is not None else True
