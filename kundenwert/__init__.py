"""Kundenwert: what every customer is worth, across all of the owner's tools."""

__version__ = "0.1.0"
