"""Real English text, offline: the docstrings of Python standard-library modules.

A helper for the text examples (``word_segmentation.py``,
``char_language_model.py``). It parses the source files of a fixed list of
standard-library modules with :mod:`ast` (nothing is imported or run),
collects the docstrings of the modules, classes and functions in source
order, normalises them to lowercase ASCII letters, digits, spaces and basic
punctuation, and cuts them into sentences of bounded length. The result is
deterministic for a given Python version (the docstrings change a little
between versions).

>>> import sys; from pathlib import Path
>>> sys.path.insert(0, "examples")
>>> from _stdlib_text import load_stdlib_text
>>> lines = load_stdlib_text(max_chars=20_000)
>>> all(30 <= len(line) <= 120 for line in lines)
True
"""

from __future__ import annotations

import ast
import re
import sysconfig
from pathlib import Path

__all__ = ["MODULES", "load_stdlib_text"]

#: Modules read, in this order: pure-Python modules with plenty of prose in
#: their docstrings, present in every CPython 3.10+.
MODULES = (
    "argparse", "calendar", "collections/__init__", "configparser", "csv",
    "dataclasses", "datetime", "difflib", "email/message", "fractions",
    "ftplib", "functools", "gettext", "gzip", "heapq", "imaplib", "inspect",
    "json/decoder", "json/encoder", "logging/__init__", "mailbox",
    "multiprocessing/pool", "optparse", "os", "pathlib", "pickle", "pydoc",
    "queue", "random", "shutil", "smtplib", "statistics", "string",
    "subprocess", "tarfile", "tempfile", "textwrap", "threading", "turtle",
    "typing", "unittest/case", "urllib/parse", "urllib/request", "uuid",
    "warnings", "zipfile",
)

_DEFINITIONS = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
_NOT_ALLOWED = re.compile(r"[^a-z0-9 .,;:'()\-?!]+")
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")


def _docstrings(path: Path):
    """The docstrings of a source file's module, classes and functions, in source order."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    nodes = [node for node in ast.walk(tree) if isinstance(node, _DEFINITIONS)]
    nodes.sort(key=lambda node: getattr(node, "lineno", 0))  # the module (no lineno) first
    for node in nodes:
        doc = ast.get_docstring(node, clean=True)
        if doc:
            yield doc


def _paragraphs(doc: str):
    """Prose paragraphs of a docstring: blank-line separated, no code or tables."""
    for block in re.split(r"\n\s*\n", doc):
        lines = block.splitlines()
        if any(line.lstrip().startswith((">>>", "...", "$ ")) for line in lines):
            continue  # doctest or shell session
        if any(line.startswith((" ", "\t")) for line in lines):
            continue  # indented: code, a parameter list or a table
        if sum(ch in "=_{}[]<>|*#@/\\`" for ch in block) > 0.03 * len(block):
            continue  # mostly markup or code
        yield " ".join(line.strip() for line in lines)


def _normalise(text: str) -> str:
    """Lowercase ASCII letters, digits, spaces and basic punctuation; single spaces."""
    text = text.lower().replace("`", "'").replace('"', "'")
    text = _NOT_ALLOWED.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()


def load_stdlib_text(max_chars: int = 100_000, *, min_length: int = 30,
                     max_length: int = 120) -> list[str]:
    """Sentences from the docstrings of the standard library, as a list of strings.

    Parameters
    ----------
    max_chars : int, default=100_000
        Stop once the sentences hold this many characters in total.
    min_length, max_length : int, default=30, 120
        Keep sentences of this many characters; a longer sentence is cut at
        a space (into pieces of at most ``max_length``), a shorter one is
        dropped.

    Returns
    -------
    lines : list of str
        Each a normalised sentence: lowercase ASCII letters, digits, single
        spaces and ``.,;:'()-?!``. The same list on every run of one Python
        version; a sentence that appears twice is kept once.
    """
    root = Path(sysconfig.get_paths()["stdlib"])
    lines, seen, total = [], set(), 0
    for name in MODULES:
        path = root / f"{name}.py"
        if not path.exists():
            continue
        for doc in _docstrings(path):
            for paragraph in _paragraphs(doc):
                for sentence in _SENTENCE_END.split(_normalise(paragraph)):
                    for piece in _cut(sentence, max_length):
                        if len(piece) < min_length or piece in seen:
                            continue
                        seen.add(piece)
                        lines.append(piece)
                        total += len(piece)
                        if total >= max_chars:
                            return lines
    return lines


def _cut(sentence: str, max_length: int):
    """Pieces of at most ``max_length`` characters, cut at spaces."""
    while len(sentence) > max_length:
        cut = sentence.rfind(" ", 0, max_length + 1)
        if cut <= 0:
            return  # one very long token: drop the rest
        yield sentence[:cut]
        sentence = sentence[cut + 1:]
    yield sentence


if __name__ == "__main__":
    text = load_stdlib_text()
    print(f"{len(text)} lines, {sum(map(len, text))} characters; e.g.")
    for line in text[:: max(1, len(text) // 10)]:
        print("  ", line)
