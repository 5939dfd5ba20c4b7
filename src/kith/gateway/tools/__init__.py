"""The built-in tool catalog. Importing this package registers every tool in it."""

from kith.gateway.tools import activities, commerce, messaging, records, tickets

__all__ = ["activities", "commerce", "messaging", "records", "tickets"]
