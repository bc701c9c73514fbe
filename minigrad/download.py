"""Downloading weights and data sets into a cache folder, resumably and verified.

A download goes to `<cache>/<name>.part` first. If it breaks off, the next
call asks the server for the rest only (an HTTP Range request) and appends.
When it is complete its SHA-256 is checked (torchvision's file names carry the
first hex digits of it, as torch.hub checks) and only then is it renamed to
`<name>`: a bad or partial download never replaces a good file.
"""
import hashlib
import http.client
import os
import re
import urllib.error
import urllib.request


class DownloadError(RuntimeError):
    """A download that failed; the message says what happened and what to do."""


def cache_dir(cache=None):
    """The cache folder: the argument, else $MINIGRAD_CACHE, else ~/.cache/minigrad."""
    folder = cache or os.environ.get("MINIGRAD_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "minigrad")
    os.makedirs(folder, exist_ok=True)
    return folder


def hash_prefix_from_name(name):
    """'resnet34-b627a593.pth' -> 'b627a593' (None when the name carries no hash)."""
    match = re.search(r"-([a-f0-9]{6,})\.", name)
    return match.group(1) if match else None


def sha256_of(path, chunk=1 << 20):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def _progress(total, start, name):
    try:
        from tqdm import tqdm
        return tqdm(total=total, initial=start, unit="B", unit_scale=True, unit_divisor=1024, desc=name)
    except ImportError:  # tqdm is optional: a plain line now and then
        return _PlainProgress(total, start, name)


class _PlainProgress:
    def __init__(self, total, start, name):
        self.total, self.done, self.name, self.shown = total, start, name, -1

    def update(self, n):
        self.done += n
        if self.total:
            tenth = self.done * 10 // self.total
            if tenth != self.shown:
                self.shown = tenth
                print(f"{self.name}: {self.done / 2**20:.1f} of {self.total / 2**20:.1f} MiB", flush=True)

    def close(self):
        pass


def download_url(url, name=None, cache=None, sha256_prefix=None, timeout=30, chunk=1 << 16, quiet=False):
    """Download `url` into the cache as `name` (resuming a partial file); return its path."""
    name = name or url.rsplit("/", 1)[-1]
    folder = cache_dir(cache)
    final, part = os.path.join(folder, name), os.path.join(folder, name + ".part")
    if os.path.exists(final):
        _verify(final, sha256_prefix, url, keep_as=None)
        return final

    start = os.path.getsize(part) if os.path.exists(part) else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={start}-"} if start else {})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        if err.code == 416 and start:  # nothing left to send: the partial file is complete
            response = None
        else:
            raise DownloadError(f"downloading {url} failed: HTTP {err.code} {err.reason}") from None
    except (urllib.error.URLError, OSError) as err:
        raise DownloadError(f"cannot reach {url} ({err}); check the address and your connection, "
                            f"or put the file at {final} yourself") from None

    if response is not None:
        with response:
            resumed = response.status == 206
            if start and not resumed:  # the server ignored the range: start over
                start = 0
            length = response.headers.get("Content-Length")
            total = start + int(length) if length is not None else None
            bar = None if quiet else _progress(total, start, name)
            received = start
            try:
                with open(part, "ab" if resumed else "wb") as f:
                    while True:
                        block = response.read(chunk)
                        if not block:
                            break
                        f.write(block)
                        received += len(block)
                        if bar:
                            bar.update(len(block))
            except (OSError, ValueError, http.client.HTTPException) as err:
                raise DownloadError(f"download of {url} broke off after {received:,} bytes ({err}); "
                                    f"the partial file {part} is kept: run the same command again to resume") from None
            finally:
                if bar:
                    bar.close()
        if total is not None and received < total:
            raise DownloadError(f"download of {url} broke off after {received:,} of {total:,} bytes; the partial "
                                f"file {part} is kept: run the same command again to resume")
    _verify(part, sha256_prefix, url, keep_as=final + ".bad")
    os.replace(part, final)
    return final


def _verify(path, prefix, url, keep_as):
    if not prefix:
        return
    digest = sha256_of(path)
    if digest.startswith(prefix):
        return
    if keep_as is None:
        raise DownloadError(f"{path} is in the cache but its SHA-256 starts {digest[:len(prefix)]}, not {prefix}: "
                            "it is corrupt or a different file. Delete it and download again.")
    os.replace(path, keep_as)
    raise DownloadError(f"the file downloaded from {url} has SHA-256 {digest[:12]}..., expected one starting "
                        f"{prefix}: it is corrupt or not the expected file. Nothing in the cache was replaced; "
                        f"the download was set aside as {keep_as} for a look. Run the command again to retry.")
