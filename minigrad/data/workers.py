"""The DataLoader's worker threads: a small pool of daemon threads that run `load(index)` and
hand back a `concurrent.futures.Future` per sample.

Why not a ThreadPoolExecutor: its threads are joined when it shuts down and again when the
interpreter exits, so one read stuck on a hung network disk would hold up the loader's
`timeout` and the end of the program for as long as the read lasts. These threads are daemons
that nobody has to join: when the loader gives up on them (a timeout, an error) it cancels the
work not yet started and returns at once, as torch's loader does with its worker processes.
A `worker_init_fn` that fails makes every sample of its thread fail with that same error.
"""
import queue
import threading
import time
from concurrent.futures import Future


class WorkerThreads:
    """`n` daemon threads, each running `initializer()` once, then the submitted calls in order."""

    def __init__(self, n, initializer=None):
        self._tasks = queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._work, args=(initializer,), daemon=True,
                                          name=f"minigrad-DataLoader-worker-{k}") for k in range(n)]
        for thread in self._threads:
            thread.start()

    def _work(self, initializer):
        failed = None
        try:
            if initializer is not None:
                initializer()
        except BaseException as err:  # noqa: BLE001 (handed to the main thread through each future)
            failed = err
        while (task := self._tasks.get()) is not None:
            future, fn, arg = task
            if not future.set_running_or_notify_cancel():
                continue  # cancelled while it waited
            try:
                if failed is not None:
                    raise failed
                future.set_result(fn(arg))
            except BaseException as err:  # noqa: BLE001 (the loop gets it from future.result())
                future.set_exception(err)

    def submit(self, fn, arg):
        future = Future()
        self._tasks.put((future, fn, arg))
        return future

    def shutdown(self, pending=(), wait=None):
        """Cancel the `pending` futures not yet started and let the threads end after their current
        call. `wait`: seconds to wait for them (None: until they end; 0: not at all)."""
        for future in pending:
            future.cancel()
        for _ in self._threads:
            self._tasks.put(None)
        if wait == 0:
            return
        deadline = None if wait is None else time.monotonic() + wait
        for thread in self._threads:
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
