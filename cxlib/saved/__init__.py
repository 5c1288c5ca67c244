"""Saved work: specs saved from a page and replayed, the workspace of uploads and analyses, users. Imports every layer below."""
