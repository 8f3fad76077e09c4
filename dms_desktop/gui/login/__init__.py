"""Start-up dialogs: log in, create the first administrator, change an expired password."""
