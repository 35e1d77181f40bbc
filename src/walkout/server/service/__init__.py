"""The service layer: domain events, a message bus and a unit of work over
SQLAlchemy, and the handlers that turn engine outputs and people's decisions
into rows and events (cosmicpython style)."""
