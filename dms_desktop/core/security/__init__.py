"""Users, roles, permissions, password hashing, lockout and login audit."""
