"""The governed door: tool registry, Gateway.execute, risk policy, approvals, decisions."""
