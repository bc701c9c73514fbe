"""`python -m minigrad.weights convert IN OUT` and `python -m minigrad.weights download resnet34`."""
import argparse
import os
import sys

from minigrad.download import DownloadError
from minigrad.weights import PRETRAINED, WeightsError, convert, download_pretrained


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m minigrad.weights", description="Weight files for minigrad.")
    sub = parser.add_subparsers(dest="command", required=True)
    conv = sub.add_parser("convert", help="convert a .pth/.safetensors/.npz file to .npz")
    conv.add_argument("source")
    conv.add_argument("target")
    down = sub.add_parser("download", help="download torchvision's ImageNet weights")
    down.add_argument("arch", choices=sorted(PRETRAINED))
    down.add_argument("--cache", default=None, help="cache folder (default ~/.cache/minigrad or $MINIGRAD_CACHE)")
    down.add_argument("--url", default=None, help="download from this address instead of torchvision's")
    args = parser.parse_args(argv)
    try:
        if args.command == "convert":
            state = convert(args.source, args.target)
            print(f"wrote {args.target}: {len(state)} arrays, {sum(a.size for a in state.values()):,} numbers")
        else:
            path = download_pretrained(args.arch, cache=args.cache, url=args.url)
            print(f"weights for {args.arch}: {path}")
    except (WeightsError, DownloadError, FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except OSError as err:  # a target under a file, onto a folder, unwritable, a full disk: one line
        print(f"error: {_os_problem(err, getattr(args, 'target', None))}", file=sys.stderr)
        return 1
    return 0


def _os_problem(err, target):
    """One line for an OSError: which path, what is wrong with it, how to fix it."""
    where = err.filename or target
    if isinstance(err, (FileExistsError, NotADirectoryError)):
        where = os.path.dirname(os.path.abspath(target))
        while where != os.path.dirname(where) and not os.path.exists(where):
            where = os.path.dirname(where)  # the nearest existing part of the path: the file in the way
        return (f"cannot write {target}: {where} is a file, not a folder; give a path whose folders are "
                "folders (or move that file away yourself)")
    if isinstance(err, IsADirectoryError):
        return f"cannot write {target}: it is a folder; give a file name (e.g. {os.path.join(target, 'weights.npz')})"
    if where and os.path.basename(str(where)).startswith(".tmp-minigrad-") and target:
        where = target  # the temporary file is an internal name: the user asked for the target
    if isinstance(err, PermissionError) and target:
        folder = os.path.dirname(os.path.abspath(target))
        return f"cannot write {target}: {err.strerror}; make {folder} writable (chmod u+w) or write elsewhere"
    return f"cannot write {where}: {err.strerror or err}"


if __name__ == "__main__":
    sys.exit(main())
