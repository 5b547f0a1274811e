"""The peers' machinery, set up once: botocore's EC2 model, serializer and parser."""

from __future__ import annotations

from functools import cache
from typing import Any

__all__ = ["boto_operation", "boto_parser", "boto_serializer"]


@cache
def _service_model() -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("ec2")


def boto_operation(name: str) -> Any:
    """botocore's ``OperationModel`` for ``name``."""
    return _service_model().operation_model(name)


@cache
def boto_serializer() -> Any:
    """The serializer a botocore EC2 client uses (parameter validation on, the default)."""
    import botocore.serialize

    return botocore.serialize.create_serializer("ec2", include_validation=True)


@cache
def boto_parser() -> Any:
    """botocore's ``EC2QueryParser``."""
    import botocore.parsers

    return botocore.parsers.EC2QueryParser()
