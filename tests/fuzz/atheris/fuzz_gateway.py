"""atheris: the gateway's WSGI entry on arbitrary methods, headers, bodies and content types."""

from __future__ import annotations

import io
import logging

import atheris

with atheris.instrument_imports():
    import _harness
    import _requests
    from lxml import etree

    from ec2query.gateway import make_app

APP = make_app(db=":memory:", credentials={_requests.KEY: _requests.SECRET},
               clock=lambda: _requests.NOW)  # fmt: skip
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
logging.getLogger("ec2query.gateway").setLevel(logging.CRITICAL)


def latin1(text: str) -> str:
    """As a WSGI server passes text: bytes decoded as ISO-8859-1."""
    return text.encode("utf-8", "surrogatepass").decode("latin-1")


def test_one_input(data: bytes) -> None:
    """Always EC2's XML with a status; never 500, never an exception out of the app."""
    fdp = atheris.FuzzedDataProvider(data)
    request = _requests.request(fdp)
    body = (
        request["body"]
        if isinstance(request["body"], bytes)
        else latin1(request["body"]).encode("latin-1")
    )
    environ = {
        "REQUEST_METHOD": latin1(request["method"]),
        "PATH_INFO": "/",
        "QUERY_STRING": latin1(request["url"]),
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_TYPE": latin1(
            fdp.PickValueInList(["", "application/x-www-form-urlencoded", fdp.ConsumeUnicode(30)])
        ),
        "CONTENT_LENGTH": fdp.PickValueInList([str(len(body)), "", latin1(fdp.ConsumeUnicode(8))]),
    }
    for name, value in request["headers"]:
        environ["HTTP_" + name.upper().replace("-", "_")] = latin1(value)
    seen: list[str] = []
    answer = b"".join(APP(environ, lambda status, headers, exc_info=None: seen.append(status)))
    status = int(seen[0].split()[0])
    assert status != 500, answer
    etree.fromstring(answer, PARSER)


if __name__ == "__main__":
    _harness.run(test_one_input)
