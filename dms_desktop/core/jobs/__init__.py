"""Jobs, schedules, dependencies and the request queue (DMS_JOB*, DMS_PRCREQ)."""
