"""Detail screens of export and import configurations (tabs, Apply, Reset, validation)."""
