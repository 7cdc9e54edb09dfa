"""Every Python block of README.md and of the documentation pages runs as written.

The README keeps one short example per capability; the prose and the longer
examples moved to the documentation site's Markdown pages (docs/*.md,
docs/user_guide/*.md), whose blocks are held to the same rule.
"""

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).parents[1]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md")),
         *sorted((ROOT / "docs" / "user_guide").glob("*.md"))]


def _blocks(path):
    return re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.S)


BLOCKS = [(path, code) for path in PAGES for code in _blocks(path)]


def test_readme_has_examples():
    assert len(_blocks(README)) >= 5


def test_the_pages_hold_the_guides_examples():
    assert len(BLOCKS) - len(_blocks(README)) >= 20


@pytest.mark.parametrize(
    "path, code", BLOCKS,
    ids=[f"{path.relative_to(ROOT)}-block{i}" for i, (path, _) in enumerate(BLOCKS)],
)
def test_block_runs(path, code, capsys):
    exec(compile(code, str(path), "exec"), {"__name__": "readme"})
