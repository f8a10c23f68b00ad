"""The journal: the append-only, hash-chained, signed record of everything submitted to the
hub and everything the hub told anyone."""
