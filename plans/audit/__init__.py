"""Audit of the plan history: database guards, chain verification, sealing of changes made
outside the application, the timeline, exports, as-of views and comparisons (docs/audit.md)."""
