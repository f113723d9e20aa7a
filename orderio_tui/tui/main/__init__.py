"""The main screen: Order Export and Order Status Import lists, the log panel, the status line."""
