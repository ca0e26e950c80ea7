"""Metrics, statistics, disclosure control, aggregation, charts and exports for the reports."""
