"""The digital twin: a store generated to measure, and the people and sensors in it.

Everything here is pure Python on numpy: it makes stores and sensor streams
that the fusion engine is tested against, so it never imports the CLI, the
server or the importers.
"""
