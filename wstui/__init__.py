"""wstui: a full-screen terminal fleet manager for Amazon WorkSpaces."""

__version__ = "0.1.0"
