"""First start: the welcome window, the first administrator, the tour of Home; recent workspaces."""
