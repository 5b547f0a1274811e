"""Resource bounds, in one place, for everything that reads untrusted input.

A request that crosses one of these is refused with an EC2-style error before
any work proportional to its size is done. SECURITY.md lists them for users.
"""

from __future__ import annotations

#: Largest Query request (body or query string) accepted, in bytes.
MAX_QUERY_BYTES = 1024 * 1024
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
