"""Business concepts (the semantic bridge, scenario S14): one definition of "customer
health" as a weighted combination of indicators from every system's own measure, its
computation per contact and account with each indicator's contribution, and the
CSAT / NPS surveys that feed it."""
