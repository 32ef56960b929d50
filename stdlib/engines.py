"""Database and cache engines: the port each listens on unless told otherwise (notes §7).

A table of its own, not part of the catalogue's models, so the modeled cloud can read it
without building the database kinds' pydantic schemas."""

ENGINE_PORTS = {"postgres": 5432, "mysql": 3306, "mariadb": 3306, "oracle": 1521, "sqlserver": 1433, "db2": 50000,
                "aurora-postgresql": 5432, "aurora-mysql": 3306, "redis": 6379, "memcached": 11211}
