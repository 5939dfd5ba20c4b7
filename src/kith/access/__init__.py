"""Users, teams, roles, API keys, permissions as data, and principals."""
