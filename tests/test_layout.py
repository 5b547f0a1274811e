"""The package's layout: four public namespaces, everything else private, and a wheel that
carries the top-level ``schemas/`` and ``fixtures/`` (the sources) inside the package."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import ec2query
from ec2query._model import VERSIONS

REPO = Path(__file__).resolve().parents[1]
PUBLIC = {"ec2query", "ec2query.auth", "ec2query.gateway", "ec2query.fixtures"}


def _modules() -> list[str]:
    return [info.name for info in pkgutil.walk_packages(ec2query.__path__, "ec2query.")]


def test_only_the_four_public_namespaces_have_public_names() -> None:
    public = {name for name in _modules()
              if not any(part.startswith("_") for part in name.split(".")[1:])}
    assert public | {"ec2query"} == PUBLIC


@pytest.mark.parametrize("namespace", sorted(PUBLIC))
def test_no_exported_name_shadows_a_module(namespace: str) -> None:
    module = importlib.import_module(namespace)
    if not hasattr(module, "__path__"):
        return  # a module: no submodule to shadow
    submodules = {info.name for info in pkgutil.iter_modules(module.__path__)}
    for name in set(module.__all__) & submodules:
        assert getattr(module, name).__name__ == f"{namespace}.{name}", name


def test_the_runtime_package_imports_no_peer() -> None:
    code = ("import sys, ec2query, ec2query.fixtures, ec2query.gateway, ec2query.auth; "
            "import ec2query._fixtures.check, ec2query._console; "
            "print(sorted(m for m in ('botocore', 'awscli', 'moto', 'boto3') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
    assert not list((REPO / "ec2query").rglob("peers.py"))


def test_the_sources_are_top_level() -> None:
    assert sorted(p.name for p in (REPO / "schemas").glob("*.xsd")) == [
        *(f"ec2-{version}.xsd" for version in VERSIONS), "ec2-errors.xsd"]
    assert (REPO / "fixtures" / "manifest.json").is_file()
    assert not (REPO / "ec2query" / "schemas").exists()
    assert not (REPO / "ec2query" / "fixtures_data").exists()


def test_the_wheel_carries_schemas_and_corpus_and_an_install_finds_them(tmp_path: Path) -> None:
    pytest.importorskip("hatchling")
    built = subprocess.run([sys.executable, "-c", "import sys; from hatchling.build import "
                            "build_wheel; print(build_wheel(sys.argv[1]))", str(tmp_path)],
                           cwd=REPO, capture_output=True, text=True, check=True).stdout
    wheel = tmp_path / built.split()[-1]
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    assert "ec2query/_data/schemas/ec2-2016-11-15.xsd" in names
    manifest = json.loads((REPO / "fixtures" / "manifest.json").read_text())
    assert len([n for n in names if n.startswith("ec2query/_data/fixtures/")]) >= len(
        manifest["cases"])
    assert not any(n.startswith("tests/") or n.endswith("peers.py") for n in names)
    code = ("import ec2query.fixtures as f, ec2query._codec._xml_schema as s; "
            "print(f.CORPUS.relative_to(f.__file__.rsplit('/', 1)[0]).as_posix(), "
            "len(f.load_cases()) > 0, s.schema_for('2016-11-15') is not None)")
    out = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, "
                          f"{str(tmp_path / 'site')!r}); {code}"],
                         capture_output=True, text=True, check=True).stdout
    assert out.split() == ["_data/fixtures", "True", "True"]



_IMPORT = re.compile(r"\b(?:from\s+(ec2query[\w.]*)\s+import|import\s+(ec2query[\w.]*))")


@pytest.mark.parametrize("page", sorted(p.relative_to(REPO).as_posix() for p in [
    REPO / "README.md", REPO / "SECURITY.md", *(REPO / "docs").glob("*.md")]))
def test_the_docs_import_only_from_the_public_namespaces(page: str) -> None:
    text = (REPO / page).read_text(encoding="utf-8")
    private = sorted({a or b for a, b in _IMPORT.findall(text)} - PUBLIC)
    assert private == [], f"{page} imports private modules"
