"""``ec2query demo``: the seed example run for real through the embedded gateway.

Starts the gateway on a free loopback port with the embedded backend, then,
as a client would: creates ``MySecurityGroup``, authorizes ``tcp 22`` from
``203.0.113.0/24``, describes, revokes it, and describes again, printing each
signed request's first line and each answer.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..auth._credentials import Credentials

#: Fixed, documented demo credentials (the AWS documentation's example key pair).
DEMO_CREDENTIALS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")

RULE = {
    "IpProtocol": "tcp",
    "FromPort": 22,
    "ToPort": 22,
    "IpRanges": [{"CidrIp": "203.0.113.0/24"}],
}
STEPS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("CreateSecurityGroup", {"GroupName": "MySecurityGroup", "Description": "ec2query demo"}),
    ("AuthorizeSecurityGroupIngress", {"GroupName": "MySecurityGroup", "IpPermissions": [RULE]}),
    ("DescribeSecurityGroups", {"GroupNames": ["MySecurityGroup"]}),
    (
        "RevokeSecurityGroupIngress",
        {
            "GroupName": "MySecurityGroup",
            "IpProtocol": "tcp",
            "FromPort": 22,
            "ToPort": 22,
            "CidrIp": "203.0.113.0/24",
        },
    ),
    ("DescribeSecurityGroups", {"GroupNames": ["MySecurityGroup"]}),
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the seed example through the embedded gateway",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    parser.add_argument("--db", default=":memory:", help="backend SQLite file (%(default)s)")
    parser.add_argument("--signature", choices=("v4", "v4-query", "v2"), default="v4")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .._client import Client
    from ..gateway import make_app
    from ..gateway._server import running

    app = make_app(db=args.db, credentials=[DEMO_CREDENTIALS])
    with running(app) as endpoint:
        print(f"# embedded gateway on {endpoint}, backend {args.db}")
        client = Client(endpoint, DEMO_CREDENTIALS, "us-east-1", signature=args.signature, env={})
        for name, params in STEPS:
            raw = client.build_request(name, params)
            print(f"\n$ {name} {json.dumps(params)}")
            print(f"> {raw.method} {raw.url} ({len(raw.body)} bytes, signed {args.signature})")
            result = client.call(name, params)
            result.pop("ResponseMetadata", None)
            print(json.dumps(result, indent=2))
    return 0
