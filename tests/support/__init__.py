"""Support code shared by the test packages (screen reading, waiting)."""
