"""``ec2query <operation> help``: what each option is, which are required, which rules of
EC2's bind them together, and the global options.

The options and their required marks come from the model; the words are this table's,
one line per member name (a member means the same in every operation that has it), and
the combination rules are the validator's rows (``_rules.RULES``) told in plain words.
"""

from __future__ import annotations

from .._codec.cliargs import SIMPLIFIED_OPERATIONS, option_name
from .._model import ListShape, Structure, operation
from .._rules import RULES

__all__ = ["GLOBAL_HELP", "MEMBER_HELP", "OPERATION_MEMBER_HELP", "RULE_HELP", "usage"]

#: What each input member is, in this project's words.
MEMBER_HELP: dict[str, str] = {
    "Resources": "the groups and rules to tag or untag, by ID (sg-..., sgr-...)",
    "Tags": "Key=...,Value=... tags (DeleteTags: a Key alone matches any value)",
    "GroupId": "the security group, by ID (sg-...)",
    "GroupName": "the security group, by name (default VPC or EC2-Classic only)",
    "GroupIds": "the groups to describe, by ID (all groups when no group is named)",
    "GroupNames": "the groups to describe, by name (default VPC only)",
    "IpPermissions": "the rules: protocol, ports and sources (CIDRs, prefix lists, groups)",
    "IpProtocol": "flat legacy rule: its protocol (tcp, udp, icmp, a number, -1 for all)",
    "FromPort": "flat legacy rule: its first port, or the ICMP type",
    "ToPort": "flat legacy rule: its last port, or the ICMP code",
    "CidrIp": "flat legacy rule: the IPv4 CIDR it admits",
    "SourceSecurityGroupName": "flat legacy rule: the source group, by name",
    "SourceSecurityGroupOwnerId": "flat legacy rule: the account owning the source group",
    "UserId": "2011-12-15: the account owning the source group",
    "SecurityGroupRuleIds": "the rules, by ID (sgr-...)",
    "DryRun": "check the request and the caller's permission, change nothing",
    "TagSpecifications": "tags for what the request creates",
    "Description": "the group's description",
    "VpcId": "the VPC the group belongs to (default: the default VPC)",
    "Filters": "Name=...,Values=... filters on the results",
    "NextToken": "the page to start from, as a previous answer's NextToken gave it",
    "MaxResults": "at most this many results in one answer",
    "SecurityGroupRules": "the rules to replace, each by ID with its new definition",
    "SecurityGroupRuleDescriptions": "the rules, by ID, each with its new description",
}

#: (operation, member) -> its help where the member means more there than ``MEMBER_HELP`` says.
OPERATION_MEMBER_HELP: dict[tuple[str, str], str] = {
    ("DescribeSecurityGroupReferences", "GroupId"):
        "the groups whose referencing VPCs to list, by ID (sg-...)",
    ("DescribeStaleSecurityGroups", "VpcId"): "the VPC whose stale rules to describe (vpc-...)",
}

#: The validator's rules that bind options together, in plain words (by rule name).
RULE_HELP: dict[str, str] = {
    "group-id-or-name-required": "name the group: --group-id or --group-name",
    "required-members": "the options marked (required) must be given",
    "describe-max-results-not-with-ids": "--max-results may not be combined with --group-ids",
    "flat-cidr-xor-source-group": "--cidr-ip may not be combined with "
                                  "--source-security-group-name/-owner-id (one source a rule)",
    "flat-revoke-source-group-alone": "--source-security-group-name may not be combined with "
                                      "--ip-protocol, --from-port or --to-port",
    "flat-needs-source": "a flat rule needs a source: --cidr-ip or --source-security-group-name",
    "source-group-needs-id": "a source group outside the default VPC is named by ID",
    "permission-needs-source": "each rule needs a source: a CIDR, a prefix list or a group",
    "modify-rule-needs-source": "each new rule needs a source: CidrIpv4, CidrIpv6, "
                                "PrefixListId or ReferencedGroupId",
    "modify-rule-one-source": "and only one of them: a CIDR and a group may not be combined",
}

_SIMPLIFIED = (
    ("--protocol tcp|udp|icmp|all|N", "the rule's protocol"),
    ("--port N | N-M | TYPE-CODE | -1", "its ports, or ICMP type and code"),
    ("--cidr CIDR", "its IPv4 source"),
    ("--source-group sg-ID|NAME", "its source group (with --cidr: one rule, both sources)"),
    ("--group-owner ACCOUNT", "the account owning --source-group"),
)

GLOBAL_HELP = """global options:
  --endpoint-url URL      send to URL (default: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL,
                          else https://ec2.REGION.amazonaws.com)
  --region REGION         region to sign for (default: AWS_REGION, AWS_DEFAULT_REGION,
                          the profile's, else the one an ec2.REGION.amazonaws.com
                          endpoint names; with none: "You must specify a region.")
  --profile NAME          credentials and region from this AWS profile
  --signature-version V   v4 (default, header), v4-query (presigned GET) or v2
  --api-version V         2016-11-15 (default) or 2011-12-15
  --output FORMAT         json, text, table, or xml (EC2's raw answer); default:
                          AWS_DEFAULT_OUTPUT, the profile's output, else json
  --debug                 print the signed request and the response on stderr
                          (session tokens redacted)
  --no-send               print the signed raw HTTP request instead of sending it
  --no-validate           skip the local check of EC2's rules before sending
  --query EXPRESSION      a JMESPath expression applied to the result before it is printed
                          (needs the jmespath package: pip install 'ec2query[cli]')
  --max-items N           print at most N items of a paginated result, and a NextToken
  --page-size N           ask for N items per request (every page is still fetched)
  --starting-token TOKEN  resume from a NextToken printed by --max-items
  --no-paginate           send one request and print its page as it is
  --no-sign-request       send the request unsigned (no credentials are looked up)
  --no-verify-ssl         do not verify the endpoint's TLS certificate
  --ca-bundle PATH        verify TLS with this CA bundle (default: AWS_CA_BUNDLE)
  --cli-read-timeout N    seconds to wait for an answer (default 60; 0: no limit)
  --cli-connect-timeout N seconds to wait for the connection (default 5; 0: no limit)
  --color on|off|auto     colour table values and bars: always, never, or when standard
                          output is a terminal (default auto)
"""



def _line(flag: str, text: str) -> str:
    return f"  {flag:<38} {text}" if len(flag) <= 38 else f"  {flag}\n  {'':<38} {text}"


def usage(operation_name: str) -> str:
    """Every option the operation takes, from the model, with the global options."""
    op = operation(operation_name)
    lines = [
        f"usage: ec2query {op.cli_name} [options]",
        "",
        f"{op.name}: options as aws-cli takes them (JSON or shorthand for structures and lists):",
    ]
    for member in op.input().members:
        flag = f"--{option_name(member.name)}"
        if isinstance(member.shape, ListShape):
            kind = "LIST"
        elif isinstance(member.shape, Structure):
            kind = "STRUCTURE"
        elif member.shape.kind == "boolean":
            flag = f"{flag} | --no-{option_name(member.name)}"
            kind = ""
        else:
            kind = member.shape.kind.upper()
        text = OPERATION_MEMBER_HELP.get((op.name, member.name)) or MEMBER_HELP.get(member.name, "")
        lines.append(_line(f"{flag} {kind}".rstrip(),
                           f"{text} (required)" if member.required else text))
    if op.name in SIMPLIFIED_OPERATIONS:
        lines += [_line(flag, text) for flag, text in _SIMPLIFIED]
    lines += [
        _line("--cli-input-json JSON|file://PATH", "every member at once, as JSON"),
        _line("--generate-cli-skeleton [input|output]", "print a template and exit"),
    ]
    rules = [RULE_HELP[rule.name] for rule in RULES
             if op.name in rule.ops and rule.name in RULE_HELP]
    if rules:
        lines += ["", "EC2's rules, checked before sending:"]
        lines += [f"  {text}" for text in dict.fromkeys(rules)]
    lines += ["", GLOBAL_HELP]
    return "\n".join(lines)
