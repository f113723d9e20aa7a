"""The services screen: list, create, edit and delete services."""
