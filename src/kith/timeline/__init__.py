"""The timeline: every change and interaction of a record or customer, with its actor."""
