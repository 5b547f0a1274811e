"""The golden-file corpus: its case table, generator, checker, peer cross-checks and pytest plugin.

``ec2query.fixtures`` is the public face (the loader); these modules are internal.
``cases`` is the table (data), ``build`` turns one row into its files, ``check``
verifies a corpus on disk, ``peers`` cross-checks with botocore and aws-cli
(test-only dependencies, imported lazily), ``plugin`` is the pytest plugin.
"""
