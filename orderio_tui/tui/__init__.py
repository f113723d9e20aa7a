"""The Textual user interface. The only package of orderio that imports ``textual``."""
