"""botocore as the oracle: sign with its own signers at a fixed time."""

from __future__ import annotations

from datetime import datetime, timezone
from unittest import mock

import botocore.auth
import botocore.credentials
from botocore.awsrequest import AWSPreparedRequest, AWSRequest

from ec2query.auth import Credentials


def boto_credentials(creds: Credentials) -> botocore.credentials.Credentials:
    return botocore.credentials.Credentials(creds.access_key, creds.secret_key, creds.token)


def _frozen(when: datetime):  # type: ignore[no-untyped-def]
    naive = when.astimezone(timezone.utc).replace(tzinfo=None)
    return mock.patch.object(botocore.auth, "get_current_datetime", return_value=naive)


def sigv4_header(request: AWSRequest, creds: Credentials, region: str, service: str,
                 when: datetime) -> AWSPreparedRequest:
    with _frozen(when):
        botocore.auth.SigV4Auth(boto_credentials(creds), service, region).add_auth(request)
    return request.prepare()


def sigv4_query(request: AWSRequest, creds: Credentials, region: str, service: str,
                when: datetime, expires: int = 3600) -> AWSPreparedRequest:
    with _frozen(when):
        botocore.auth.SigV4QueryAuth(boto_credentials(creds), service, region,
                                     expires=expires).add_auth(request)
    return request.prepare()


def sigv2(request: AWSRequest, creds: Credentials, when: datetime) -> AWSPreparedRequest:
    struct = when.astimezone(timezone.utc).timetuple()
    with mock.patch.object(botocore.auth.time, "gmtime", return_value=struct):
        botocore.auth.SigV2Auth(boto_credentials(creds)).add_auth(request)
    return request.prepare()
