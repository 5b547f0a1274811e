"""Subcommands of the ``ec2query`` console command, one module each."""
