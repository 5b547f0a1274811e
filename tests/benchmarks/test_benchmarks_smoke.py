"""The benchmark harness runs every pair, and both sides of each pair do the same work.

No timing is asserted: a pair whose sides disagree would make its ratio a lie,
so this checks the agreement (our encode equals botocore's body, our signature
equals botocore's, our parse equals botocore's dict, both gateways answer the
same) and that each pair runs once through the harness.
"""

from __future__ import annotations

import json

import pytest

from benchmarks import GROUPS, Pair, Skipped, build_pairs, run_pair
from benchmarks.__main__ import main
from benchmarks._harness import Plan

TINY = Plan(tiny=True)


@pytest.fixture(scope="module")
def built() -> dict[str, list[Pair | Skipped]]:
    by_group: dict[str, list[Pair | Skipped]] = {group: [] for group in GROUPS}
    for item in build_pairs():
        by_group[item.group].append(item)
    return by_group


@pytest.mark.parametrize("group", list(GROUPS))
def test_each_pair_agrees_and_runs_once(built: dict[str, list[Pair | Skipped]],
                                        group: str) -> None:
    items = built[group]
    assert items, f"group {group} has no pairs"
    pairs = [item for item in items if isinstance(item, Pair)]
    if not pairs:
        pytest.skip("; ".join(item.reason for item in items if isinstance(item, Skipped)))
    for pair in pairs:
        ours, peer = pair.compare()
        assert ours == peer, f"{pair.group}: {pair.name}: the two sides disagree"
        result = run_pair(pair, TINY)
        assert len(result.ours.samples) == len(result.peer.samples) == 1
        assert result.ours.min > 0 and result.peer.min > 0
        assert result.as_dict()["name"] == pair.name


def test_the_seed_encodes_byte_identical_to_botocore(
    built: dict[str, list[Pair | Skipped]],
) -> None:
    seed = next(p for p in built["encode"] if isinstance(p, Pair) and p.name == "seed, nested")
    assert seed.ours() == seed.peer() == (
        "Action=RevokeSecurityGroupIngress&Version=2016-11-15&GroupName=websrv"
        "&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=80&IpPermissions.1.ToPort=80"
        "&IpPermissions.1.IpRanges.1.CidrIp=205.192.0.0%2F16"
    )


def test_json_output_has_one_entry_per_pair(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--json", "--repeat", "1", "--budget", "0.0001", "decode", "parse"]) == 0
    document = json.loads(capsys.readouterr().out)
    names = [(r["group"], r["name"]) for r in document["results"]]
    assert len(names) == 6 and {g for g, _ in names} == {"decode", "parse"}
    assert all(r["ratio_median"] > 0 for r in document["results"])
    assert document["machine"]["python"]


def test_the_table_prints_ratios_and_targets(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--repeat", "1", "--budget", "0.0001", "encode"]) == 0
    out = capsys.readouterr().out
    assert "peer/ours" in out and "seed, nested" in out and "≥6x" in out
