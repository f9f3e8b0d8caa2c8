"""Domain logic. Services validate, change the database, commit, and publish events."""

# Ids and ticket numbers are INTEGER columns: int4 on PostgreSQL. A larger value in a query
# fails there with "integer out of range" (and past int8, on SQLite too), so anything outside
# 1..MAX_ID names nothing and is answered as "not found" or "invalid" before it reaches SQL.
MAX_ID = 2**31 - 1
