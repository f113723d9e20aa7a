"""The orders browser and the order detail screen."""
