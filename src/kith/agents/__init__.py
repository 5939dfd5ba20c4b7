"""The agent runtime: SDK, router, memory, coordinator, engines and built-in agents."""
