"""Natural language as the workflow: commands and questions, planned, previewed,
executed and undone."""
