"""Channels: the list, the form of one channel and the first set-up of an empty database."""
