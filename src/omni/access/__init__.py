"""Access: users, API tokens (and, with issue 4: roles, permissions, data scopes)."""
