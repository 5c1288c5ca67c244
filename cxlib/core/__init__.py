"""Core: messages, errors, statistics, order statuses and every metric definition and Spec. Imports nothing else of cxlib."""
