"""The ``walkout`` command line."""
