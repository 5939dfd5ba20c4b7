"""Flows: automations business users define as data — a trigger, conditions, tool steps
through the gateway, approvals, waits and an end — run durably on Kith's own outbox
consumers and scheduler (issue 15, scenario S13). See docs/flows.md."""
