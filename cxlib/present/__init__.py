"""Presentation: charts, HTML cards, views registered per result type, the decision memo. Imports core, data and analyses."""
