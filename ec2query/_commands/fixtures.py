"""``ec2query fixtures generate|check``: write the golden corpus, or verify one.

``generate`` writes every case of the table (``ec2query._fixtures.cases``)
into ``--out`` (default: the corpus this ec2query reads). The cross-checks with
botocore and aws-cli are development tools, not part of the package: the test
suite runs them on the committed corpus (``tests/fixtures/test_peers.py``).
``check`` verifies a corpus (hashes, decoding, XSDs, signatures, regeneration) and
prints one line per problem, ``PATH: what is wrong``; the exit status is 1 when there is any.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .._errors import UsageError

EXIT_PROBLEMS = 1


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``fixtures`` subcommand and its ``generate`` and ``check`` actions."""
    p = subparsers.add_parser(
        "fixtures",
        help="generate or check the golden-file corpus",
        description="The golden-file corpus of EC2 security-group requests and answers "
        "(fixtures/README.md has the format).",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    actions.required = True
    gen = actions.add_parser("generate", help="write the corpus from the case table",
                             description="Write every case of the table, deterministically, "
                             "and the manifest; stale files of an earlier corpus are removed.")
    gen.add_argument("--out", type=Path, help="corpus directory (default: the corpus this "
                     "ec2query reads: fixtures/ in a source tree)")
    gen.set_defaults(func=run)
    chk = actions.add_parser("check", help="verify a corpus; exit 1 naming every bad file",
                             description="Verify hashes, that every file decodes to the case's "
                             "params, XSD validity, signatures, and that regenerating would "
                             "not change the corpus.")
    chk.add_argument("dir", nargs="?", type=Path, help="corpus directory (default: the packaged "
                     "corpus)")
    chk.add_argument("--no-regenerate", dest="regenerate", action="store_false",
                     help="skip the comparison with a fresh generation (a corpus from another "
                     "ec2query version)")
    chk.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Dispatch to generate or check; returns the exit status."""
    from ..fixtures import CORPUS

    if args.action == "generate":
        return _generate(args.out or CORPUS)
    return _check(args.dir or CORPUS, regenerate=args.regenerate)


def _generate(out: Path) -> int:
    from .._fixtures.build import build_corpus
    from .._fixtures.check import IGNORED

    files = build_corpus()
    if out.exists() and any(out.iterdir()) and not (out / "manifest.json").is_file():
        raise UsageError(f"{out} is not empty and holds no corpus (manifest.json); "
                         "refusing to write into it")
    for path in sorted(out.rglob("*"), reverse=True) if out.exists() else ():
        rel = path.relative_to(out).as_posix()
        if path.is_file() and rel not in files and rel not in IGNORED:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    for rel, data in files.items():
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.is_file() or target.read_bytes() != data:
            target.write_bytes(data)
    cases = sum(1 for rel in files if rel.endswith("/params.json"))
    print(f"wrote {cases} cases ({len(files)} files) to {out}")
    return 0


def _check(root: Path, *, regenerate: bool) -> int:
    from .._fixtures.check import check_corpus

    problems = check_corpus(root, regenerate=regenerate)
    for problem in problems:
        print(problem)
    if problems:
        bad = len({p.path for p in problems})
        print(f"{len(problems)} problem(s) in {bad} file(s)", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"ok: {root}")
    return 0
