"""Where the project's data folders are: the XSDs (``schemas/``) and the corpus (``fixtures/``).

Both are top-level folders of the source tree, the sources of truth. A wheel carries
copies inside the package, under ``ec2query/_data/`` (hatch's ``force-include`` in
pyproject.toml); a source checkout or an editable install reads the top-level folders.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["data_dir"]

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The folder ``name`` (``"schemas"`` or ``"fixtures"``): the wheel's copy, else the tree's."""
    packaged = _PACKAGE / "_data" / name
    return packaged if packaged.is_dir() else _PACKAGE.parent / name
