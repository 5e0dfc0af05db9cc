"""Writing one section of benchmarks/README.md (shared by the benchmark scripts)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent / "README.md"


def update_readme(section, body, path=README):
    """Replace the text between ``<!-- section -->`` and ``<!-- /section -->`` of the README
    (creating the file / the section if missing); everything else in the file is kept. The file is
    read right before writing, so edits made while a benchmark ran survive."""
    start, end = f"<!-- {section} -->", f"<!-- /{section} -->"
    block = f"{start}\n{body.strip()}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if start in text and end in text:
        pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
        text = pattern.sub(lambda _: block, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")
