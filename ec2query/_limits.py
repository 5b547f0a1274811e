"""Resource bounds, in one place, for everything that reads untrusted input.

A request that crosses one of these is refused with an EC2-style error before
any work proportional to its size is done. SECURITY.md lists them for users.
"""

from __future__ import annotations

import re

#: Largest Query request (body or query string) accepted, in bytes.
MAX_QUERY_BYTES = 1024 * 1024
#: How long (seconds) a served gateway's stop (SIGTERM, Ctrl-C) waits, by default, for
#: the requests begun to be answered.
STOP_GRACE = 5
#: The served edge's bounds (``ec2query serve``'s options of the same names, and
#: ``edge_server``'s): how long a request's headers and whole body may take to arrive from
#: its first byte, and an idle keep-alive connection may stay open (seconds); the most
#: bytes of a request line and headers, and of request bodies one process holds at once,
#: all connections together; the most connections one process holds.
EDGE_BOUNDS: dict[str, int] = {
    "header_timeout": 10,
    "body_timeout": 20,
    "idle_timeout": 15,
    "max_header": 64 * 1024,
    "connection_limit": 1000,
    "max_bodies": 64 * 1024 * 1024,
}
#: Most parameters (``key=value`` pairs) in one request.
MAX_PARAMS = 5000
#: Highest list index accepted (``IpPermissions.N``, ``IpRanges.M``, ...).
MAX_LIST_INDEX = 1000
#: Longest single parameter value, in characters.
MAX_VALUE_LENGTH = 64 * 1024
#: Deepest ``[...]`` / ``{...}`` nesting in one aws-cli shorthand value.
MAX_SHORTHAND_DEPTH = 32
#: EC2 integers are 32-bit signed.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
#: A character XML 1.0 cannot carry (the complement of its ``Char`` production): EC2's
#: answers are XML, so no value may hold one (the validator's ``text-not-xml``, the renderer).
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
