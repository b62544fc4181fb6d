"""Reusable widgets of the wstui TUI."""

from wstui.ui.widgets.fleet_table import FleetTable, TableColumn

__all__ = ["FleetTable", "TableColumn"]
