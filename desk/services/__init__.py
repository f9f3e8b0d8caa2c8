"""Domain logic. Services validate, change the database, commit, and publish events."""
