"""Administration: the typed registry of workspace parameters, its service, the audit trail."""
