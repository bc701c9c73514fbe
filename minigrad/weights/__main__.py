"""`python -m minigrad.weights convert IN OUT` and `python -m minigrad.weights download resnet34`."""
import argparse
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
