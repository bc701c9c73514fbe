"""Downloads into the cache, against a small HTTP server on 127.0.0.1 that the test starts
(never the internet): progress, resume of a broken transfer, checksum verification."""
import hashlib
import http.server
import os
import threading

import numpy as np
import pytest

from minigrad.download import DownloadError, download_url, hash_prefix_from_name
from minigrad.weights import download_pretrained, load_weights, save_weights


class Server:
    """Serves files from a dict; honours Range; can break a transfer off half way."""

    def __init__(self):
        self.files, self.cut_next, self.requests = {}, False, []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append((self.path, self.headers.get("Range")))
                data = server.files.get(self.path)
                if data is None:
                    self.send_error(404)
                    return
                start = int(self.headers["Range"].split("=")[1].split("-")[0]) if self.headers.get("Range") else 0
                if start >= len(data):
                    self.send_error(416)
                    return
                self.send_response(206 if start else 200)
                self.send_header("Content-Length", str(len(data) - start))
                self.end_headers()
                body = data[start:]
                if server.cut_next:  # promise everything, send half, hang up
                    server.cut_next = False
                    body = body[: len(body) // 2]
                    self.wfile.write(body)
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


@pytest.fixture
def payload(tmp_path):
    """A real (generated) weight file, named as torchvision names them: <arch>-<sha256 prefix>.pth."""
    save_weights({"w": np.arange(200_000, dtype=np.float32)}, tmp_path / "w.npz")
    data = (tmp_path / "w.npz").read_bytes()
    return data, f"tiny-{hashlib.sha256(data).hexdigest()[:8]}.pth"


def test_hash_prefix_is_read_from_the_name():
    assert hash_prefix_from_name("resnet34-b627a593.pth") == "b627a593"
    assert hash_prefix_from_name("weights.pth") is None


def test_download_verifies_and_caches(server, payload, tmp_path, capsys):
    data, name = payload
    server.files["/" + name] = data
    cache = tmp_path / "cache"
    path = download_url(f"{server.url}/{name}", cache=str(cache), sha256_prefix=hash_prefix_from_name(name))
    assert open(path, "rb").read() == data
    assert load_weights(path)["w"].size == 200_000
    assert sorted(os.listdir(cache)) == [name]
    download_url(f"{server.url}/{name}", cache=str(cache), sha256_prefix=hash_prefix_from_name(name))
    assert len(server.requests) == 1  # the second call found it in the cache


def test_an_interrupted_download_resumes_where_it_stopped(server, payload, tmp_path):
    data, name = payload
    server.files["/" + name] = data
    server.cut_next = True
    cache = str(tmp_path / "cache")
    with pytest.raises(DownloadError, match=r"broke off after .* run the same command again to resume"):
        download_url(f"{server.url}/{name}", cache=cache, sha256_prefix=hash_prefix_from_name(name), quiet=True)
    part = os.path.join(cache, name + ".part")
    assert 0 < os.path.getsize(part) < len(data) and not os.path.exists(os.path.join(cache, name))
    path = download_url(f"{server.url}/{name}", cache=cache, sha256_prefix=hash_prefix_from_name(name), quiet=True)
    assert open(path, "rb").read() == data
    assert server.requests[-1][1] == f"bytes={len(data) // 2}-"  # only the rest was asked for


def test_a_checksum_mismatch_replaces_nothing_and_says_so(server, payload, tmp_path):
    data, name = payload
    wrong = name.replace(name.split("-")[1][:8], "deadbeef")
    server.files["/" + wrong] = data
    cache = tmp_path / "cache"
    with pytest.raises(DownloadError, match=r"expected one starting deadbeef.*Nothing in the cache was replaced"):
        download_url(f"{server.url}/{wrong}", cache=str(cache), sha256_prefix="deadbeef", quiet=True)
    assert sorted(os.listdir(cache)) == [wrong + ".bad"]


def test_a_missing_file_is_a_clear_error(server, tmp_path):
    with pytest.raises(DownloadError, match="HTTP 404"):
        download_url(f"{server.url}/nothing.pth", cache=str(tmp_path), quiet=True)


def test_download_pretrained_uses_torchvisions_name_and_hash(server, payload, tmp_path, monkeypatch):
    data, _ = payload
    name = f"resnet34-{hashlib.sha256(data).hexdigest()[:8]}.pth"
    server.files["/models/" + name] = data
    monkeypatch.setitem(__import__("minigrad.weights").weights.PRETRAINED, "resnet34", f"{server.url}/models/{name}")
    monkeypatch.setenv("MINIGRAD_CACHE", str(tmp_path / "cache"))
    path = download_pretrained("resnet34")
    assert os.path.basename(path) == name
