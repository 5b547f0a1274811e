"""The golden-file corpus: its case table, generator, checker and pytest plugin.

``ec2query.fixtures`` is the public face (the loader); these modules are internal.
``cases`` is the table (data), ``build`` turns one row into its files, ``check``
verifies a corpus on disk, ``plugin`` is the pytest plugin. The cross-checks with
botocore and aws-cli are development tools: ``tests/fixtures/peers.py``.
"""
