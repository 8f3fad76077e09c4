"""The Qt-free core shared by the GUI, the scheduler service and the CLI."""
