"""The scheduler service: trigger sync, queue workers, leases, recovery."""
