"""``python -m benchmarks``: time every pair in one process and print the table (or JSON)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from ._harness import GROUPS, Pair, Plan, Result, Skipped, build_pairs, run_pair
from ._report import describe, document, machine, table


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="ec2query side by side with botocore, moto and aws-cli, in one process. "
        "Times are µs per operation (min and median over repeats); the ratio is peer/ours.",
    )
    parser.add_argument("groups", nargs="*", default=[],
                        metavar="GROUP", help=f"groups to run (default all): {', '.join(GROUPS)}")
    parser.add_argument("--quick", action="store_true",
                        help="a fast smoke run: 3 short repeats, 2 process runs")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--repeat", type=int, help="repeats per side (default 7, quick 3)")
    parser.add_argument("--budget", type=float,
                        help="minimum seconds per timed loop (default 0.05, quick 0.005)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks; the exit status is 1 if a pair's two sides disagree."""
    args = _parser().parse_args(argv)
    plan = Plan(repeat=3, budget=0.005, process_repeat=2) if args.quick else Plan()
    if args.repeat:
        plan.repeat = plan.process_repeat = args.repeat
    if args.budget:
        plan.budget = args.budget
    results: list[Result] = []
    skipped: list[Skipped] = []
    failed = False
    for item in build_pairs(tuple(args.groups) or None):
        if isinstance(item, Skipped):
            skipped.append(item)
            continue
        if not _agrees(item):
            failed = True
            continue
        if not args.json:
            print(f"  {item.group}: {item.name} ...", file=sys.stderr, flush=True)
        results.append(run_pair(item, plan))
    info = machine()
    if args.json:
        settings = {"repeat": plan.repeat, "budget_s": plan.budget,
                    "process_repeat": plan.process_repeat, "quick": args.quick}
        print(json.dumps(document(results, skipped, info, settings), indent=2))
    else:
        print(f"\nµs per operation; ratio = peer median / ours median (>1: ours is faster)\n"
              f"machine: {describe(info)}\n")
        print(table(results, skipped, markdown=args.markdown))
    return 1 if failed else 0


def _agrees(pair: Pair) -> bool:
    ours, peer = pair.compare()
    if ours == peer:
        return True
    print(f"DISAGREE {pair.group}: {pair.name}\n  ours: {ours!r:.500}\n  peer: {peer!r:.500}",
          file=sys.stderr)
    return False


if __name__ == "__main__":
    sys.exit(main())
