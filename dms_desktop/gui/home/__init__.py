"""The Home module: the workspace at a glance."""
