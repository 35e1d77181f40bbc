"""Who may do what: roles, principals and bearer tokens (hashed at rest)."""
